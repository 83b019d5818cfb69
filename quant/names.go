package quant

import (
	"fmt"
	"strings"
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

// tensorRole is one kind of tensor of the model: its GGUF name, its names in
// each layout (with %d for the block where there is one), its shape in
// PyTorch order, and the heads over which its rows are permuted for RoPE when
// they come in the Hugging Face layout (0 for no permutation).
type tensorRole struct {
	gguf, hf, consolidated string
	shape                  func(p *Params) []int64
	ropeHeads              func(p *Params) int
}

// Shapes of the model's tensors, PyTorch order (rows, columns).
func vocabByDim(p *Params) []int64 { return dims(p.VocabSize, p.EmbeddingLength) }
func dimVector(p *Params) []int64  { return dims(p.EmbeddingLength) }
func qShape(p *Params) []int64     { return dims(p.HeadCount*p.HeadDim, p.EmbeddingLength) }
func kvShape(p *Params) []int64    { return dims(p.HeadCountKV*p.HeadDim, p.EmbeddingLength) }
func outShape(p *Params) []int64   { return dims(p.EmbeddingLength, p.HeadCount*p.HeadDim) }
func upShape(p *Params) []int64    { return dims(p.FeedForwardLength, p.EmbeddingLength) }
func downShape(p *Params) []int64  { return dims(p.EmbeddingLength, p.FeedForwardLength) }

func dims(d ...int) []int64 {
	out := make([]int64, len(d))
	for i, v := range d {
		out[i] = int64(v)
	}
	return out
}

// The output matrix, which a model with tied embeddings may lack.
const outputName = "output.weight"

// globalRoles are the tensors outside the blocks, in the order they are
// written.
var globalRoles = []tensorRole{
	{gguf: "token_embd.weight", hf: "model.embed_tokens.weight", consolidated: "tok_embeddings.weight", shape: vocabByDim},
	{gguf: "output_norm.weight", hf: "model.norm.weight", consolidated: "norm.weight", shape: dimVector},
	{gguf: outputName, hf: "lm_head.weight", consolidated: "output.weight", shape: vocabByDim},
}

// blockRoles are the tensors of each block, in the order they are written.
var blockRoles = []tensorRole{
	{gguf: "blk.%d.attn_norm.weight", hf: "model.layers.%d.input_layernorm.weight", consolidated: "layers.%d.attention_norm.weight", shape: dimVector},
	{gguf: "blk.%d.attn_q.weight", hf: "model.layers.%d.self_attn.q_proj.weight", consolidated: "layers.%d.attention.wq.weight", shape: qShape,
		ropeHeads: func(p *Params) int { return p.HeadCount }},
	{gguf: "blk.%d.attn_k.weight", hf: "model.layers.%d.self_attn.k_proj.weight", consolidated: "layers.%d.attention.wk.weight", shape: kvShape,
		ropeHeads: func(p *Params) int { return p.HeadCountKV }},
	{gguf: "blk.%d.attn_v.weight", hf: "model.layers.%d.self_attn.v_proj.weight", consolidated: "layers.%d.attention.wv.weight", shape: kvShape},
	{gguf: "blk.%d.attn_output.weight", hf: "model.layers.%d.self_attn.o_proj.weight", consolidated: "layers.%d.attention.wo.weight", shape: outShape},
	{gguf: "blk.%d.ffn_norm.weight", hf: "model.layers.%d.post_attention_layernorm.weight", consolidated: "layers.%d.ffn_norm.weight", shape: dimVector},
	{gguf: "blk.%d.ffn_gate.weight", hf: "model.layers.%d.mlp.gate_proj.weight", consolidated: "layers.%d.feed_forward.w1.weight", shape: upShape},
	{gguf: "blk.%d.ffn_up.weight", hf: "model.layers.%d.mlp.up_proj.weight", consolidated: "layers.%d.feed_forward.w3.weight", shape: upShape},
	{gguf: "blk.%d.ffn_down.weight", hf: "model.layers.%d.mlp.down_proj.weight", consolidated: "layers.%d.feed_forward.w2.weight", shape: downShape},
}

// plannedTensor is one tensor to write: its GGUF name, where it comes from,
// its expected PyTorch shape, and its RoPE permutation (0 for none).
type plannedTensor struct {
	gguf, source string
	shape        []int64
	ropeHeads    int
}

// tensorPlan lists the tensors of a model with parameters p in the given
// layout, in the order they are written: token_embd, output_norm, output,
// then each block.
func tensorPlan(layout Layout, p *Params) []plannedTensor {
	plan := func(r tensorRole, block int) plannedTensor {
		src := r.hf
		if layout == LayoutConsolidated {
			src = r.consolidated
		}
		t := plannedTensor{gguf: r.gguf, source: src, shape: r.shape(p)}
		if block >= 0 {
			t.gguf, t.source = fmt.Sprintf(t.gguf, block), fmt.Sprintf(t.source, block)
		}
		if r.ropeHeads != nil && layout == LayoutHuggingFace {
			t.ropeHeads = r.ropeHeads(p)
		}
		return t
	}
	var out []plannedTensor
	for _, r := range globalRoles {
		out = append(out, plan(r, -1))
	}
	for b := range p.BlockCount {
		for _, r := range blockRoles {
			out = append(out, plan(r, b))
		}
	}
	return out
}

// ignorable reports whether a source tensor that no role uses may be left
// out: buffers some checkpoints carry that the model recomputes.
func ignorable(name string) bool {
	return strings.HasSuffix(name, ".rotary_emb.inv_freq")
}
