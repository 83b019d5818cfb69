package arch

import (
	"fmt"
	"math"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// GGUF metadata keys outside the architecture's own.
const (
	KeyArchitecture = "general.architecture"
	KeyName         = "general.name"
)

// ReadGGUF reads the hyper-parameters of the Mistral model in a GGUF file:
// general.architecture ("llama" or "mistral", else an error wrapping
// ErrArchitecture), general.name, the architecture's keys through the
// table (see Decode), the vocabulary from the rows of token_embd.weight
// (llama.vocab_size, when present, must agree), and TiedEmbeddings from the
// absence of output.weight. A file with RoPE scaling is refused. The
// tensors' shapes are not checked here: compare them with Tensors(p).
//
// Errors are *ParamError, or an error naming token_embd.weight; none
// carries a package prefix.
func ReadGGUF(f *gguf.File) (Params, error) {
	var p Params
	v, ok := f.Lookup(KeyArchitecture)
	if !ok {
		return p, &ParamError{Name: KeyArchitecture, Reason: "missing"}
	}
	a, ok := v.Str()
	switch {
	case !ok:
		return p, &ParamError{Name: KeyArchitecture, Reason: describe(v) + " is not a string"}
	case !IsArchitecture(a):
		return p, &ParamError{Name: KeyArchitecture, Reason: fmt.Sprintf("%q (want llama or mistral)", a), Err: ErrArchitecture}
	}
	p.Architecture = a
	if v, ok := f.Lookup(KeyName); ok {
		p.Name, _ = v.Str()
	}
	embd, ok := f.Tensor(TokenEmbd.Name(-1))
	if !ok {
		return p, fmt.Errorf("no tensor %s", TokenEmbd.Name(-1))
	}
	if len(embd.Shape) != 2 || embd.Shape[1] > math.MaxInt32 {
		return p, fmt.Errorf("%s has shape %v, want [dim vocab]", embd.Name, embd.Shape)
	}
	rows := int(embd.Shape[1])
	p.Vocab = rows
	_, hasOutput := f.Tensor(Output.Name(-1))
	p.TiedEmbeddings = !hasOutput
	scaling := nameIn(FormatGGUF, "rope.scaling.type", &p)
	if v, ok := f.Lookup(scaling); ok {
		if t, _ := v.Str(); t != "" && t != "none" {
			return p, &ParamError{Name: scaling, Reason: fmt.Sprintf("RoPE scaling %q is not supported", t)}
		}
	}
	if _, err := Decode(FormatGGUF, ggufSource{f}, &p); err != nil {
		return p, err
	}
	if p.Vocab != rows {
		return p, &ParamError{Name: nameIn(FormatGGUF, ParamVocab.Name(FormatGGUF), &p),
			Reason: fmt.Sprintf("%d, but %s has %d rows", p.Vocab, embd.Name, rows)}
	}
	return p, nil
}

// ggufSource gives Decode the values of a GGUF file's keys.
type ggufSource struct{ f *gguf.File }

func (s ggufSource) Int(key string) (int64, bool, error) {
	return lookup(s.f, key, gguf.Value.Int, "an integer")
}

func (s ggufSource) Float(key string) (float64, bool, error) {
	return lookup(s.f, key, gguf.Value.Float, "a float")
}

// lookup returns the value of key converted by conv; ok is false when the
// key is absent, and a value conv refuses is an error.
func lookup[T any](f *gguf.File, key string, conv func(gguf.Value) (T, bool), want string) (x T, ok bool, err error) {
	v, present := f.Lookup(key)
	if !present {
		return x, false, nil
	}
	if x, ok = conv(v); !ok {
		return x, false, &ParamError{Name: key, Reason: describe(v) + " is not " + want}
	}
	return x, true, nil
}

// describe returns a value with its type, for errors: "string \"tiny\"".
func describe(v gguf.Value) string {
	if v.Type() == gguf.ValueArray {
		return "an array"
	}
	return v.Type().String() + " " + v.String()
}

// KV returns the GGUF metadata of p: general.architecture, general.name
// (when p has a name) and the hyper-parameters under "<architecture>.",
// counts as uint32 and reals as float32, in the order of the table. Keys
// that readers derive are left out (attention.key_length and value_length
// when the head width is Dim/Heads), and so is the window when p has none;
// llama.vocab_size is written. p must be valid (see Validate).
func (p Params) KV() []gguf.KV {
	a := p.architecture()
	kv := []gguf.KV{{Key: KeyArchitecture, Value: gguf.String(a)}}
	if p.Name != "" {
		kv = append(kv, gguf.KV{Key: KeyName, Value: gguf.String(p.Name)})
	}
	for _, h := range hyperParams {
		if h.omit != nil && h.omit(&p) {
			continue
		}
		key := a + "." + h.fields[FormatGGUF].Name
		if h.floats != nil {
			kv = append(kv, gguf.KV{Key: key, Value: gguf.Float32(float32(*h.floats(&p)))})
		} else {
			kv = append(kv, gguf.KV{Key: key, Value: gguf.Uint32(uint32(*h.ints(&p)))})
		}
	}
	return kv
}
