package quant

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomistral/gomistral/mistral/arch"
)

// Layout is the arrangement of a model folder.
type Layout int

const (
	// LayoutHuggingFace is transformers' layout: config.json, model.safetensors
	// or shards with model.safetensors.index.json, parameter names such as
	// model.layers.0.self_attn.q_proj.weight, and Q and K rows in the
	// rotate-half RoPE order.
	LayoutHuggingFace Layout = iota + 1
	// LayoutConsolidated is Mistral's release layout (mistral-inference):
	// params.json, consolidated.safetensors, parameter names such as
	// layers.0.attention.wq.weight, and Q and K rows already interleaved in
	// GGML's RoPE order.
	LayoutConsolidated
	// LayoutGGUF is a GGUF file, the source of a requantisation (Quantize
	// only).
	LayoutGGUF
)

// String returns "Hugging Face", "consolidated" or "GGUF".
func (l Layout) String() string {
	switch l {
	case LayoutHuggingFace:
		return "Hugging Face"
	case LayoutConsolidated:
		return "consolidated"
	case LayoutGGUF:
		return "GGUF"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// format returns the architecture's name for the layout's files.
func (l Layout) format() arch.Format {
	switch l {
	case LayoutHuggingFace:
		return arch.FormatHuggingFace
	case LayoutConsolidated:
		return arch.FormatConsolidated
	}
	return arch.FormatGGUF
}

// plannedTensor is one tensor to write: where it comes from, its expected
// PyTorch shape (arch.Tensors' reversed), and its RoPE permutation (0 for
// none).
type plannedTensor struct {
	arch.Tensor
	source    string  // its name in the source files
	shape     []int64 // PyTorch order: outermost dimension first
	ropeHeads int
}

// tensorPlan lists the tensors of a model with parameters p in the given
// layout, in the order they are written (arch.Tensors).
func tensorPlan(layout Layout, p *arch.Params) []plannedTensor {
	var out []plannedTensor
	for _, t := range arch.Tensors(*p) {
		pt := plannedTensor{Tensor: t, source: t.SourceName(layout.format()), shape: reversed(t.Shape)}
		if layout == LayoutHuggingFace {
			pt.ropeHeads = t.Role.RopeHeads(*p)
		}
		out = append(out, pt)
	}
	return out
}

// reversed returns a shape in the other order (GGML's or PyTorch's).
func reversed(shape []int64) []int64 {
	out := slices.Clone(shape)
	slices.Reverse(out)
	return out
}

// ignorable reports whether a source tensor that no role uses may be left
// out: buffers some checkpoints carry that the model recomputes.
func ignorable(name string) bool {
	return strings.HasSuffix(name, ".rotary_emb.inv_freq")
}
