package arch

import (
	"fmt"
	"math"
)

// Format is a kind of file that describes a Mistral model; each names the
// hyper-parameters and tensors its own way.
type Format int

const (
	// FormatGGUF: GGUF metadata keys ("llama.block_count") and tensor names
	// ("blk.0.attn_q.weight").
	FormatGGUF Format = iota
	// FormatHuggingFace: transformers' config.json ("num_hidden_layers") and
	// parameter names ("model.layers.0.self_attn.q_proj.weight").
	FormatHuggingFace
	// FormatConsolidated: Mistral's release layout for mistral-inference,
	// params.json ("n_layers") and parameter names
	// ("layers.0.attention.wq.weight").
	FormatConsolidated
	formatCount
)

// Bounds of the hyper-parameters. No Mistral model comes near them; they
// keep a hostile file from sizing absurd tables before its tensors are
// looked at.
const (
	MaxLayers = 1024    // transformer blocks
	MaxWidth  = 1 << 24 // Dim, FFN and HeadDim
	MaxVocab  = 1 << 18 // vocabulary size (Mistral's largest is 131,072)
)

// ConsolidatedContextLength is the context length of a model in the
// consolidated layout whose params.json does not give one: that of every
// Mistral 7B release's config.json.
const ConsolidatedContextLength = 32768

// field is the name of a hyper-parameter in one format.
type field struct {
	Name     string  // "" when the format does not carry the parameter
	Required bool    // a file without it is an error
	Default  float64 // of an absent optional field; 0 means the parameter's own default
}

// HyperParam is one hyper-parameter of the architecture: its names in each
// format, how it is defaulted and checked, and how it is written to GGUF.
type HyperParam struct {
	fields [formatCount]field
	// ints or floats returns the field of Params that holds the value.
	ints   func(*Params) *int
	floats func(*Params) *float64
	// agree: an earlier parameter sets the same field (value_length after
	// key_length); a value given here must be the same.
	agree bool
	// def returns the value of an absent optional parameter from those
	// decided before it; nil leaves the field as it is.
	def func(*Params) (float64, *ParamError)
	// max returns the largest value of a count, whose smallest is 1.
	max func(*Params) int
	// none: zero means the model has no such thing (the window); a zero
	// that no file gave is not checked.
	none bool
	// check returns why the value in p cannot be right, or "", once max
	// holds.
	check func(p *Params) string
	// omit reports whether the GGUF writer leaves the key out.
	omit func(*Params) bool
}

// Name returns the parameter's name in format f ("" when the format has
// none): the key after "<architecture>." for GGUF.
func (h *HyperParam) Name(f Format) string { return h.fields[f].Name }

// Float reports whether the value is a real number (a float32 in GGUF),
// rather than a count (a uint32).
func (h *HyperParam) Float() bool { return h.floats != nil }

// The hyper-parameters, in the order they are decided and written: each
// default and check reads only those above it. The variables are for
// naming them (Name, and Extent.Params); do not reassign them.
var (
	// ParamContext is the training context: context_length.
	ParamContext = &HyperParam{
		fields: [formatCount]field{
			{Name: "context_length"},
			{Name: "max_position_embeddings", Required: true},
			{Name: "max_seq_len", Default: ConsolidatedContextLength},
		},
		ints: func(p *Params) *int { return &p.ContextLength },
		def:  constant(4096),
		max:  fixed(math.MaxInt32),
	}
	// ParamDim is the width of the residual stream: embedding_length.
	ParamDim = &HyperParam{
		fields: [formatCount]field{
			{Name: "embedding_length", Required: true},
			{Name: "hidden_size", Required: true},
			{Name: "dim", Required: true},
		},
		ints: func(p *Params) *int { return &p.Dim },
		max:  fixed(MaxWidth),
	}
	// ParamLayers is the transformer blocks: block_count.
	ParamLayers = &HyperParam{
		fields: [formatCount]field{
			{Name: "block_count", Required: true},
			{Name: "num_hidden_layers", Required: true},
			{Name: "n_layers", Required: true},
		},
		ints: func(p *Params) *int { return &p.Layers },
		max:  fixed(MaxLayers),
	}
	// ParamFFN is the feed-forward width: feed_forward_length.
	ParamFFN = &HyperParam{
		fields: [formatCount]field{
			{Name: "feed_forward_length", Required: true},
			{Name: "intermediate_size", Required: true},
			{Name: "hidden_dim", Required: true},
		},
		ints: func(p *Params) *int { return &p.FFN },
		max:  fixed(MaxWidth),
	}
	// ParamHeads is the query heads: attention.head_count.
	ParamHeads = &HyperParam{
		fields: [formatCount]field{
			{Name: "attention.head_count", Required: true},
			{Name: "num_attention_heads", Required: true},
			{Name: "n_heads", Required: true},
		},
		ints: func(p *Params) *int { return &p.Heads },
		max:  func(p *Params) int { return p.Dim },
	}
	// ParamHeadDim is the width of a head: attention.key_length.
	ParamHeadDim = &HyperParam{
		fields: [formatCount]field{
			{Name: "attention.key_length"},
			{Name: "head_dim"},
			{Name: "head_dim"},
		},
		ints: func(p *Params) *int { return &p.HeadDim },
		def:  defaultHeadDim,
		max:  fixed(MaxWidth),
		check: func(p *Params) string {
			if p.HeadDim%2 != 0 {
				return fmt.Sprintf("%d is odd: RoPE rotates pairs", p.HeadDim)
			}
			return ""
		},
		omit: derivedHeadDim,
	}
	// ParamValueDim is the width of a value head, which must be the key's: attention.value_length.
	ParamValueDim = &HyperParam{
		fields: [formatCount]field{{Name: "attention.value_length"}},
		ints:   func(p *Params) *int { return &p.HeadDim },
		agree:  true,
		omit:   derivedHeadDim,
	}
	// ParamKVHeads is the key/value heads: attention.head_count_kv.
	ParamKVHeads = &HyperParam{
		fields: [formatCount]field{
			{Name: "attention.head_count_kv"},
			{Name: "num_key_value_heads", Required: true},
			{Name: "n_kv_heads", Required: true},
		},
		ints: func(p *Params) *int { return &p.KVHeads },
		def:  func(p *Params) (float64, *ParamError) { return float64(p.Heads), nil },
		check: func(p *Params) string {
			if p.KVHeads < 1 || p.KVHeads > p.Heads || p.Heads%p.KVHeads != 0 {
				return fmt.Sprintf("%d key/value heads do not divide the %d query heads", p.KVHeads, p.Heads)
			}
			return ""
		},
	}
	// ParamRopeDims is the dimensions RoPE rotates: rope.dimension_count.
	ParamRopeDims = &HyperParam{
		fields: [formatCount]field{{Name: "rope.dimension_count"}},
		ints:   func(p *Params) *int { return &p.RopeDims },
		def:    func(p *Params) (float64, *ParamError) { return float64(p.HeadDim), nil },
		check: func(p *Params) string {
			if p.RopeDims < 2 || p.RopeDims > p.HeadDim || p.RopeDims%2 != 0 {
				return fmt.Sprintf("RoPE over %d dimensions: want an even number from 2 to the head width %d", p.RopeDims, p.HeadDim)
			}
			return ""
		},
	}
	// ParamNormEps is the RMSNorm epsilon: attention.layer_norm_rms_epsilon.
	ParamNormEps = &HyperParam{
		fields: [formatCount]field{
			{Name: "attention.layer_norm_rms_epsilon", Required: true},
			{Name: "rms_norm_eps", Required: true},
			{Name: "norm_eps", Required: true},
		},
		floats: func(p *Params) *float64 { return &p.NormEps },
		check: func(p *Params) string {
			if !(p.NormEps > 0 && p.NormEps < 1) {
				return fmt.Sprintf("%g is not a number between 0 and 1", p.NormEps)
			}
			return ""
		},
	}
	// ParamRopeBase is RoPE's theta: rope.freq_base.
	ParamRopeBase = &HyperParam{
		fields: [formatCount]field{
			{Name: "rope.freq_base"},
			{Name: "rope_theta"},
			{Name: "rope_theta", Default: 1e6}, // what mistral-inference assumes
		},
		floats: func(p *Params) *float64 { return &p.RopeBase },
		def:    constant(10000),
		check: func(p *Params) string {
			if !(p.RopeBase > 1) || math.IsInf(p.RopeBase, 0) {
				return fmt.Sprintf("%g is not a finite number above 1", p.RopeBase)
			}
			return ""
		},
	}
	// ParamWindow is the sliding window: attention.sliding_window.
	ParamWindow = &HyperParam{
		fields: [formatCount]field{
			{Name: "attention.sliding_window"},
			{Name: "sliding_window"},
			{Name: "sliding_window"},
		},
		ints: func(p *Params) *int { return &p.Window },
		def:  constant(0),
		max:  fixed(math.MaxInt32),
		none: true,
		omit: func(p *Params) bool { return p.Window == 0 },
	}
	// ParamVocab is the vocabulary size: vocab_size.
	ParamVocab = &HyperParam{
		fields: [formatCount]field{
			{Name: "vocab_size"}, // else the rows of token_embd
			{Name: "vocab_size", Required: true},
			{Name: "vocab_size", Required: true},
		},
		ints: func(p *Params) *int { return &p.Vocab },
		max:  fixed(MaxVocab),
	}
)

// hyperParams is the table: every hyper-parameter, in the order they are
// decided and written.
var hyperParams = []*HyperParam{
	ParamContext, ParamDim, ParamLayers, ParamFFN, ParamHeads, ParamHeadDim, ParamValueDim, ParamKVHeads,
	ParamRopeDims, ParamNormEps, ParamRopeBase, ParamWindow, ParamVocab,
}

// HyperParams returns the table of hyper-parameters, in the order they are
// decided and written. The entries are shared: do not modify them.
func HyperParams() []*HyperParam { return hyperParams }

// constant returns a default of v.
func constant(v float64) func(*Params) (float64, *ParamError) {
	return func(*Params) (float64, *ParamError) { return v, nil }
}

// fixed returns a bound of n.
func fixed(n int) func(*Params) int { return func(*Params) int { return n } }

// defaultHeadDim is the width of a head when the file does not give it:
// the embedding shared among the heads, which must divide it.
func defaultHeadDim(p *Params) (float64, *ParamError) {
	if p.Dim%p.Heads != 0 {
		return 0, &ParamError{param: ParamHeads, Reason: fmt.Sprintf("%d heads do not divide the embedding length %d", p.Heads, p.Dim)}
	}
	return float64(p.Dim / p.Heads), nil
}

// derivedHeadDim reports whether the head width is the one GGUF readers
// derive from the embedding length and the heads, so that the keys
// attention.key_length and attention.value_length are left out.
func derivedHeadDim(p *Params) bool { return p.HeadDim*p.Heads == p.Dim }
