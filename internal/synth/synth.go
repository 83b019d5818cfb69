// Package synth writes GGUF files with the exact shape of a Mistral model
// and random weights of any GGML type, for measuring speed and memory
// without downloading the real model: the kernels' speed depends on the
// shapes and the bytes they read, not on the values.
package synth

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/mistral/models"
)

// Mistral7B is Mistral 7B v0.1's shape (vocabulary 32,000).
var Mistral7B = arch.Params{Name: "mistral-7b-shape", Vocab: 32000, Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8,
	HeadDim: 128, FFN: 14336, RopeDims: 128, RopeBase: 10000, NormEps: 1e-5, ContextLength: 32768,
	Window: 4096, WindowSource: arch.WindowFile}

// Mistral7BWidth4 is Mistral 7B's width with 4 layers: each layer costs what
// one of the real model's does, so long contexts are measurable on 2 cores.
var Mistral7BWidth4 = withLayers(Mistral7B, "mistral-7b-width-4-layers", 4)

func withLayers(p arch.Params, name string, layers int) arch.Params {
	p.Name, p.Layers = name, layers
	return p
}

// Types decides the type of each matrix of a synthetic model (norms are
// always F32): Label names the file type (e.g. "Q4_K_M"), TypeOf gives the
// type of a matrix from its name and row length.
type Types struct {
	Label  string
	TypeOf func(name string, rowLen int64) ggml.Type
}

// Uniform gives every matrix type t.
func Uniform(t ggml.Type) Types {
	return Types{Label: strings.ToUpper(t.String()), TypeOf: func(string, int64) ggml.Type { return t }}
}

func (ts Types) of(t arch.Tensor) ggml.Type {
	if t.Role.Norm() {
		return ggml.F32
	}
	return ts.TypeOf(t.Name, t.Shape[0])
}

// Path returns where File caches the model of shape s and types ts.
func Path(s arch.Params, ts Types) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "gomistral", "synth", fmt.Sprintf("%s-%s.gguf", s.Name, ts.Label)), nil
}

// File returns the path of a synthetic model of shape s with matrices of
// the types ts gives, writing it (streamed, tensor by tensor, through a
// temporary file) the first time. progress, if not nil, receives bytes
// written and the total.
func File(ctx context.Context, s arch.Params, ts Types, progress func(done, total int64)) (string, error) {
	path, err := Path(s, ts)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".synth-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := Write(ctx, tmp, s, ts, progress); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// Write streams a synthetic model of shape s to w. The shape must be valid
// (arch.Params.Validate) and have the vocabulary of the shipped tokenizer,
// 32,000 pieces.
func Write(ctx context.Context, w io.Writer, s arch.Params, ts Types, progress func(done, total int64)) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	kv, err := metadata(s, ts.Label)
	if err != nil {
		return err
	}
	var tensors []gguf.TensorInfo
	for _, t := range arch.Tensors(s) {
		tensors = append(tensors, gguf.TensorInfo{Name: t.Name, Type: ts.of(t), Shape: t.Shape})
	}
	gw, err := gguf.NewWriter(w, kv, tensors, gguf.WriterOptions{})
	if err != nil {
		return err
	}
	var total, done int64
	for _, t := range tensors {
		if !ggml.CanQuantize(t.Type) || ggml.NeedsImportance(t.Type) {
			return fmt.Errorf("synth: cannot make random weights of type %v", t.Type)
		}
		total += t.Bytes()
	}
	tiles := map[tileKey][]byte{} // quantised random rows
	for _, t := range tensors {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := tensorData(t, tiles)
		if err != nil {
			return err
		}
		if err := gw.WriteTensor(t.Name, data); err != nil {
			return err
		}
		done += t.Bytes()
		if progress != nil {
			progress(done, total)
		}
	}
	return gw.Close()
}

// tensorData returns random-looking data for t: norms near 1, weights
// tiled from a few quantised random rows (values small enough that
// activations stay finite through any number of layers).
type tileKey struct {
	rowLen int64
	typ    ggml.Type
}

func tensorData(t gguf.TensorInfo, tiles map[tileKey][]byte) ([]byte, error) {
	rowLen := t.Shape[0]
	rows := t.Elements() / rowLen
	if t.Type == ggml.F32 && len(t.Shape) == 1 {
		v := make([]float32, rowLen)
		for i := range v {
			v[i] = 1
		}
		return f32Bytes(v), nil
	}
	key := tileKey{rowLen, t.Type}
	tile, ok := tiles[key]
	const distinct = 97 // a prime, so tiling does not line up with heads
	if !ok {
		r := rand.New(rand.NewPCG(uint64(rowLen), 42))
		src := make([]float32, distinct*int(rowLen))
		scale := float32(1 / float64(rowLen))
		for i := range src {
			src[i] = float32(r.NormFloat64()) * scale
		}
		rb, err := t.Type.RowBytes(rowLen)
		if err != nil {
			return nil, err
		}
		tile = make([]byte, distinct*rb)
		if err := ggml.Quantize(t.Type, tile, src, distinct, int(rowLen), nil); err != nil {
			return nil, err
		}
		tiles[key] = tile
	}
	out := make([]byte, t.Bytes())
	rb := int64(len(tile)) / distinct
	for r := int64(0); r < rows; r++ {
		copy(out[r*rb:(r+1)*rb], tile[(r%distinct)*rb:])
	}
	return out, nil
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// metadata is the llama-architecture metadata of shape s, with Mistral's
// tokenizer (taken from the shipped tiny model, which has the same
// 32,000-token vocabulary as Mistral 7B v0.1).
func metadata(s arch.Params, label string) ([]gguf.KV, error) {
	path, err := models.TinyPath()
	if err != nil {
		return nil, err
	}
	tiny, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer tiny.Close()
	pieces, err := tiny.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return nil, err
	}
	if len(pieces) != s.Vocab {
		return nil, fmt.Errorf("synth: a vocabulary of %d, but the shipped tokenizer has %d pieces", s.Vocab, len(pieces))
	}
	sum := sha256.Sum256([]byte(fmt.Sprint(s, label)))
	s.Name += " (random weights " + hex.EncodeToString(sum[:4]) + ")"
	kv := s.KV()
	for _, e := range tiny.KV {
		if strings.HasPrefix(e.Key, "tokenizer.") {
			kv = append(kv, e)
		}
	}
	return kv, nil
}
