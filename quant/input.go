package quant

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// inputTensor is one tensor to write, from a model folder or a GGUF file:
// its stored data and how its rows map to the output's.
type inputTensor struct {
	name  string
	shape []int64   // GGML order: shape[0] is the row length
	typ   gguf.Type // type of data
	data  []byte    // the stored elements, part of a read-only mapping
	// rowOf returns the stored row that becomes row r of the output (the
	// RoPE permutation of Hugging Face's Q and K); nil means row r.
	rowOf   func(r int) int
	release func() // drops the tensor's pages once written; nil for none
}

// rows returns the number of rows and their length in elements.
func (t *inputTensor) rows() (rows, cols int) {
	n := int64(1)
	for _, d := range t.shape {
		n *= d
	}
	cols = int(t.shape[0])
	return int(n / t.shape[0]), cols
}

// elements returns the number of elements.
func (t *inputTensor) elements() int64 {
	rows, cols := t.rows()
	return int64(rows) * int64(cols)
}

// quantizable reports whether the mixture rules choose the tensor's type:
// the 2-D weights, not the norms. 1-D tensors are written in F32; any other
// tensor is copied unchanged.
func (t *inputTensor) quantizable() bool {
	return len(t.shape) == 2 && strings.HasSuffix(t.name, ".weight") && !strings.HasSuffix(t.name, "_norm.weight")
}

// input is a model opened for quantisation: its metadata (general.file_type
// and general.quantization_version still to be set), its tensors in the
// order they are written, and what the mixture rules need to know.
type input struct {
	layout  Layout
	kv      []gguf.KV // metadata to write, before the file type keys are set
	tensors []inputTensor
	model   mixtureModel
	inputs  []string // every file read, for the overwrite check
	notes   []string // assumptions made, for the log
	close   func() error
}

// openInput opens src: a model folder (converted on the fly) or a GGUF file.
func openInput(ctx context.Context, src string, opts *QuantizeOptions) (*input, error) {
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("quant: %w", err)
	}
	if info.IsDir() {
		return openFolderInput(ctx, src, opts)
	}
	return openGGUFInput(src, opts)
}

// dtypeTypes maps the safetensors float types to GGUF types.
var dtypeTypes = map[safetensors.DType]gguf.Type{
	safetensors.F32:  gguf.TypeF32,
	safetensors.F16:  gguf.TypeF16,
	safetensors.BF16: gguf.TypeBF16,
}

// openFolderInput opens a Hugging Face or consolidated folder, as Convert
// does.
func openFolderInput(ctx context.Context, dir string, opts *QuantizeOptions) (*input, error) {
	s, err := openSource(ctx, dir)
	if err != nil {
		return nil, err
	}
	if opts.ContextLength > 0 {
		s.params.ContextLength = opts.ContextLength
	}
	name := opts.Name
	if name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("quant: %w", err)
		}
		name = filepath.Base(abs)
	}
	in := &input{
		layout: s.layout,
		kv:     s.metadata(name, FileTypeF32), // replaced by withFileType
		inputs: s.inputs,
		notes:  s.notes,
		close:  s.close,
		model:  newMixtureModel(s.params),
	}
	for i := range s.tensors {
		st := &s.tensors[i]
		t := inputTensor{name: st.name, shape: st.shape, typ: dtypeTypes[st.src.DType], data: st.src.Data(), release: st.src.Release}
		if st.ropeHeads > 0 {
			rows, _ := st.rows()
			heads := st.ropeHeads
			t.rowOf = func(r int) int { return ropeSourceRow(r, rows, heads) }
		}
		in.tensors = append(in.tensors, t)
	}
	// A config may tie the embeddings and still ship the output matrix.
	in.model.hasOutput = slices.ContainsFunc(in.tensors, func(t inputTensor) bool { return t.name == arch.Output.Name(-1) })
	return in, nil
}

// Metadata keys that quantising sets.
const (
	keyFileType            = "general.file_type"
	keyQuantizationVersion = "general.quantization_version"
	keyName                = arch.KeyName
)

// droppedKeys are source keys a single output file must not carry: those of
// llama.cpp's split files.
var droppedKeys = map[string]bool{"split.no": true, "split.count": true, "split.tensors.count": true}

// openGGUFInput opens a GGUF file of a Mistral model (architecture "llama"
// or "mistral").
func openGGUFInput(path string, opts *QuantizeOptions) (*input, error) {
	m, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("quant: %w", err) // names the file
	}
	in, err := ggufInput(m, path, opts)
	if err != nil {
		m.Close()
		return nil, err
	}
	return in, nil
}

func ggufInput(m *gguf.Mapped, path string, opts *QuantizeOptions) (*input, error) {
	name, err := m.Str(arch.KeyArchitecture)
	if err != nil {
		return nil, fmt.Errorf("quant: %s: %w", path, err)
	}
	if !arch.IsArchitecture(name) {
		return nil, fmt.Errorf("quant: %s: architecture %q (want llama or mistral): %w", path, name, ErrNotMistral)
	}
	p, err := arch.ReadGGUF(m.File)
	if err != nil {
		return nil, fmt.Errorf("quant: %s: %w", path, err)
	}
	in := &input{layout: LayoutGGUF, inputs: []string{path}, close: m.Close, model: newMixtureModel(p)}
	contextKey := name + "." + arch.ParamContext.Name(arch.FormatGGUF)
	for _, kv := range m.KV {
		switch {
		case droppedKeys[kv.Key]:
			continue
		case kv.Key == keyName && opts.Name != "":
			kv.Value = gguf.String(opts.Name)
		case kv.Key == contextKey && opts.ContextLength > 0:
			kv.Value = gguf.Uint32(uint32(opts.ContextLength))
		}
		in.kv = append(in.kv, kv)
	}
	if _, ok := m.Lookup(keyName); !ok && opts.Name != "" {
		in.kv = append(in.kv, gguf.KV{Key: keyName, Value: gguf.String(opts.Name)})
	}
	for _, ti := range m.Tensors {
		t := inputTensor{name: ti.Name, shape: ti.Shape, typ: ti.Type, data: m.TensorData(ti)}
		if t.typ != gguf.TypeF32 && !ggml.Computable(t.typ) {
			return nil, &TensorError{Name: ti.Name, Reason: fmt.Sprintf("type %v cannot be decoded", ti.Type), Err: ErrUnsupported}
		}
		in.tensors = append(in.tensors, t)
	}
	return in, nil
}

// quantizedType reports whether t is a quantisation (not a float type).
func quantizedType(t gguf.Type) bool {
	switch t {
	case gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16, gguf.TypeF64:
		return false
	}
	return true
}
