package mistral

import (
	"fmt"
	"math"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// Params are a model's hyper-parameters, read from its GGUF metadata and
// checked against its tensors.
type Params struct {
	Architecture  string  // general.architecture: "llama" or "mistral"
	Name          string  // general.name, if any
	Vocab         int     // vocabulary size (rows of token_embd)
	Dim           int     // width of the residual stream
	Layers        int     // transformer blocks
	Heads         int     // query heads
	KVHeads       int     // key/value heads (grouped-query attention)
	HeadDim       int     // width of one head
	FFN           int     // hidden width of the feed-forward block
	RopeDims      int     // leading dimensions of each head that RoPE rotates
	RopeBase      float64 // RoPE frequency base (theta)
	NormEps       float64 // RMSNorm epsilon
	ContextLength int     // context length the model was trained for

	// Window is the attention window W: the token at position i attends to
	// positions i-W < j <= i. The KV cache holds W positions per layer.
	Window int
	// WindowSource says where Window came from: "config" (set by the
	// caller), "file" (llama.attention.sliding_window), "recognised" (a
	// Mistral 7B v0.1 file without the key) or "none" (full attention over
	// ContextLength positions).
	WindowSource string
}

// maxLayers bounds the layer count a file may claim; no real model comes
// near it, and it keeps a hostile file from making the loader build a graph
// of absurd size before the missing tensors are noticed.
const maxLayers = 1024

// KVDim returns the width of one position's keys (or values) in one layer.
func (p Params) KVDim() int { return p.KVHeads * p.HeadDim }

// QDim returns the width of one position's queries in one layer.
func (p Params) QDim() int { return p.Heads * p.HeadDim }

// Group returns how many query heads share each key and value head.
func (p Params) Group() int { return p.Heads / p.KVHeads }

// readParams reads the hyper-parameters from the metadata; vocab is the
// number of rows of the embedding. Shapes are checked against the tensors
// later, in checkTensors.
func readParams(f *gguf.File, vocab, windowOverride int) (Params, error) {
	p := Params{Vocab: vocab}
	arch, err := f.Str("general.architecture")
	if err != nil {
		return p, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	if arch != "llama" && arch != "mistral" {
		return p, fmt.Errorf("%w: %q (want llama or mistral)", ErrArchitecture, arch)
	}
	p.Architecture = arch
	if v, ok := f.Lookup("general.name"); ok {
		p.Name, _ = v.Str()
	}
	key := func(s string) string { return arch + "." + s }
	need := func(dst *int, k string, lo, hi int) error {
		v, err := f.Uint(key(k))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadModel, err)
		}
		if v < uint64(lo) || v > uint64(hi) {
			return fmt.Errorf("%w: %s = %d, want %d to %d", ErrBadModel, key(k), v, lo, hi)
		}
		*dst = int(v)
		return nil
	}
	opt := func(dst *int, k string, def, lo, hi int) error {
		if _, ok := f.Lookup(key(k)); !ok {
			*dst = def
			return nil
		}
		return need(dst, k, lo, hi)
	}
	const big = 1 << 24 // wider than any tensor GGUF can hold sensibly
	if err := need(&p.Dim, "embedding_length", 1, big); err != nil {
		return p, err
	}
	if err := need(&p.Layers, "block_count", 1, maxLayers); err != nil {
		return p, err
	}
	if err := need(&p.FFN, "feed_forward_length", 1, big); err != nil {
		return p, err
	}
	if err := need(&p.Heads, "attention.head_count", 1, p.Dim); err != nil {
		return p, err
	}
	if err := opt(&p.KVHeads, "attention.head_count_kv", p.Heads, 1, p.Heads); err != nil {
		return p, err
	}
	if p.Heads%p.KVHeads != 0 {
		return p, fmt.Errorf("%w: %d query heads are not a multiple of %d key/value heads", ErrBadModel, p.Heads, p.KVHeads)
	}
	defHead := 0
	if p.Dim%p.Heads == 0 {
		defHead = p.Dim / p.Heads
	}
	if err := opt(&p.HeadDim, "attention.key_length", defHead, 1, big); err != nil {
		return p, err
	}
	if p.HeadDim == 0 {
		return p, fmt.Errorf("%w: width %d is not a multiple of %d heads", ErrBadModel, p.Dim, p.Heads)
	}
	var vlen int
	if err := opt(&vlen, "attention.value_length", p.HeadDim, 1, big); err != nil {
		return p, err
	}
	if vlen != p.HeadDim {
		return p, fmt.Errorf("%w: value heads of %d and key heads of %d", ErrBadModel, vlen, p.HeadDim)
	}
	if err := opt(&p.RopeDims, "rope.dimension_count", p.HeadDim, 2, p.HeadDim); err != nil {
		return p, err
	}
	if p.RopeDims%2 != 0 {
		return p, fmt.Errorf("%w: RoPE over %d dimensions (odd)", ErrBadModel, p.RopeDims)
	}
	if err := opt(&p.ContextLength, "context_length", 4096, 1, math.MaxInt32); err != nil {
		return p, err
	}
	p.RopeBase = 10000
	if v, ok := f.Lookup(key("rope.freq_base")); ok {
		b, ok := v.Float()
		if !ok || !(b > 1) || math.IsInf(b, 0) {
			return p, fmt.Errorf("%w: %s = %v", ErrBadModel, key("rope.freq_base"), v)
		}
		p.RopeBase = b
	}
	eps, err := f.Float(key("attention.layer_norm_rms_epsilon"))
	if err != nil {
		return p, fmt.Errorf("%w: %v", ErrBadModel, err)
	}
	if !(eps > 0 && eps < 1) {
		return p, fmt.Errorf("%w: RMSNorm epsilon %v", ErrBadModel, eps)
	}
	p.NormEps = eps
	if s, ok := f.Lookup(key("rope.scaling.type")); ok {
		if t, _ := s.Str(); t != "" && t != "none" {
			return p, fmt.Errorf("%w: RoPE scaling %q is not supported", ErrBadModel, t)
		}
	}
	return p, p.setWindow(f, key("attention.sliding_window"), windowOverride)
}

// setWindow decides the attention window. Precedence: the caller's
// Config.SlidingWindow, then the file's key, then recognition of Mistral 7B
// v0.1 (whose GGUF files in circulation lack the key), then none.
func (p *Params) setWindow(f *gguf.File, key string, override int) error {
	switch {
	case override > 0:
		p.Window, p.WindowSource = override, "config"
	case hasKey(f, key):
		w, err := f.Uint(key)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadModel, err)
		}
		if w == 0 || w > math.MaxInt32 {
			return fmt.Errorf("%w: %s = %d", ErrBadModel, key, w)
		}
		p.Window, p.WindowSource = int(w), "file"
	case p.isMistral7Bv01():
		p.Window, p.WindowSource = 4096, "recognised"
	default:
		p.Window, p.WindowSource = p.ContextLength, "none"
	}
	return nil
}

func hasKey(f *gguf.File, key string) bool {
	_, ok := f.Lookup(key)
	return ok
}

// isMistral7Bv01 recognises Mistral 7B v0.1 and Instruct v0.1 by shape: its
// width, depth, heads and vocabulary, and the RoPE base of 10,000 that v0.2
// and later (which dropped the sliding window) raised to 1,000,000.
func (p *Params) isMistral7Bv01() bool {
	return p.Dim == 4096 && p.Layers == 32 && p.Heads == 32 && p.KVHeads == 8 &&
		p.FFN == 14336 && p.RopeBase == 10000 && p.Vocab == 32000
}
