package arch

import (
	"fmt"
	"strconv"
	"strings"
)

// Role is one kind of tensor of a Mistral model: the embedding, the final
// norm, the output head, and the nine weights of each block. The zero
// value is no role (a tensor the model does not use).
type Role int

// The roles, in the order a model's tensors are written (Tensors): the
// three outside the blocks, then those of each block.
const (
	TokenEmbd  Role = iota + 1 // token_embd: [Dim, Vocab], gathered by rows
	OutputNorm                 // output_norm: [Dim], the final RMSNorm
	Output                     // output: [Dim, Vocab], the head; absent when the embeddings are tied
	AttnNorm                   // attn_norm: [Dim]
	AttnQ                      // attn_q: [Dim, Heads*HeadDim]
	AttnK                      // attn_k: [Dim, KVHeads*HeadDim]
	AttnV                      // attn_v: [Dim, KVHeads*HeadDim]
	AttnOutput                 // attn_output: [Heads*HeadDim, Dim]
	FFNNorm                    // ffn_norm: [Dim]
	FFNGate                    // ffn_gate: [Dim, FFN]
	FFNUp                      // ffn_up: [Dim, FFN]
	FFNDown                    // ffn_down: [FFN, Dim]
	roleEnd
)

// Extent is one dimension of a tensor, named by what decides it.
type Extent int

const (
	ExtentVocab Extent = iota + 1 // Vocab
	ExtentDim                     // Dim
	ExtentQ                       // Heads × HeadDim
	ExtentKV                      // KVHeads × HeadDim
	ExtentFFN                     // FFN
)

// Of returns the size of the dimension in a model of parameters p.
func (e Extent) Of(p Params) int64 {
	switch e {
	case ExtentVocab:
		return int64(p.Vocab)
	case ExtentDim:
		return int64(p.Dim)
	case ExtentQ:
		return int64(p.Heads) * int64(p.HeadDim)
	case ExtentKV:
		return int64(p.KVHeads) * int64(p.HeadDim)
	case ExtentFFN:
		return int64(p.FFN)
	}
	panic(fmt.Sprintf("arch: invalid Extent %d", int(e)))
}

// Params returns the hyper-parameters that decide the dimension.
func (e Extent) Params() []*HyperParam {
	switch e {
	case ExtentVocab:
		return []*HyperParam{ParamVocab}
	case ExtentDim:
		return []*HyperParam{ParamDim}
	case ExtentQ:
		return []*HyperParam{ParamHeads, ParamHeadDim}
	case ExtentKV:
		return []*HyperParam{ParamKVHeads, ParamHeadDim}
	case ExtentFFN:
		return []*HyperParam{ParamFFN}
	}
	panic(fmt.Sprintf("arch: invalid Extent %d", int(e)))
}

// Describe names the dimension in format f with its value in p, for
// errors: "intermediate_size = 384", "num_attention_heads × head_dim = 4 ×
// 32". GGUF keys are given without the architecture.
func (e Extent) Describe(f Format, p Params) string {
	var names, values []string
	for _, h := range e.Params() {
		names = append(names, h.Name(f))
		values = append(values, strconv.Itoa(*h.ints(&p)))
	}
	return strings.Join(names, " × ") + " = " + strings.Join(values, " × ")
}

// roleInfo describes a role. Names with %d take the block number.
type roleInfo struct {
	name             string   // GGUF: "attn_q" for blk.N.attn_q.weight
	hf, consolidated string   // parameter names in the other layouts
	shape            []Extent // GGML order: shape[0] is the row length
	// ropeHeads returns the heads over which Hugging Face orders the rows
	// for its rotate-half RoPE (see RopeHeads); nil for none.
	ropeHeads func(p Params) int
}

// roles is the table of tensors, indexed by Role.
var roles = [roleEnd]roleInfo{
	TokenEmbd:  {name: "token_embd", hf: "model.embed_tokens.weight", consolidated: "tok_embeddings.weight", shape: []Extent{ExtentDim, ExtentVocab}},
	OutputNorm: {name: "output_norm", hf: "model.norm.weight", consolidated: "norm.weight", shape: []Extent{ExtentDim}},
	Output:     {name: "output", hf: "lm_head.weight", consolidated: "output.weight", shape: []Extent{ExtentDim, ExtentVocab}},
	AttnNorm:   {name: "attn_norm", hf: "model.layers.%d.input_layernorm.weight", consolidated: "layers.%d.attention_norm.weight", shape: []Extent{ExtentDim}},
	AttnQ: {name: "attn_q", hf: "model.layers.%d.self_attn.q_proj.weight", consolidated: "layers.%d.attention.wq.weight", shape: []Extent{ExtentDim, ExtentQ},
		ropeHeads: func(p Params) int { return p.Heads }},
	AttnK: {name: "attn_k", hf: "model.layers.%d.self_attn.k_proj.weight", consolidated: "layers.%d.attention.wk.weight", shape: []Extent{ExtentDim, ExtentKV},
		ropeHeads: func(p Params) int { return p.KVHeads }},
	AttnV:      {name: "attn_v", hf: "model.layers.%d.self_attn.v_proj.weight", consolidated: "layers.%d.attention.wv.weight", shape: []Extent{ExtentDim, ExtentKV}},
	AttnOutput: {name: "attn_output", hf: "model.layers.%d.self_attn.o_proj.weight", consolidated: "layers.%d.attention.wo.weight", shape: []Extent{ExtentQ, ExtentDim}},
	FFNNorm:    {name: "ffn_norm", hf: "model.layers.%d.post_attention_layernorm.weight", consolidated: "layers.%d.ffn_norm.weight", shape: []Extent{ExtentDim}},
	FFNGate:    {name: "ffn_gate", hf: "model.layers.%d.mlp.gate_proj.weight", consolidated: "layers.%d.feed_forward.w1.weight", shape: []Extent{ExtentDim, ExtentFFN}},
	FFNUp:      {name: "ffn_up", hf: "model.layers.%d.mlp.up_proj.weight", consolidated: "layers.%d.feed_forward.w3.weight", shape: []Extent{ExtentDim, ExtentFFN}},
	FFNDown:    {name: "ffn_down", hf: "model.layers.%d.mlp.down_proj.weight", consolidated: "layers.%d.feed_forward.w2.weight", shape: []Extent{ExtentFFN, ExtentDim}},
}

// firstBlockRole is the first role of the blocks.
const firstBlockRole = AttnNorm

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r >= TokenEmbd && r < roleEnd }

// String returns the role's short GGUF name: "token_embd", "attn_q", ...
func (r Role) String() string {
	if r.Valid() {
		return roles[r].name
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// PerLayer reports whether each block has a tensor of the role.
func (r Role) PerLayer() bool { return r >= firstBlockRole && r < roleEnd }

// Norm reports whether the role is an RMSNorm weight: a vector of Dim
// elements, stored in F32 in every GGUF file.
func (r Role) Norm() bool { return r.Valid() && len(roles[r].shape) == 1 }

// Name returns the GGUF name of the role's tensor in block layer (ignored
// outside the blocks): "blk.3.attn_q.weight", "token_embd.weight".
func (r Role) Name(layer int) string {
	if r.PerLayer() {
		return "blk." + strconv.Itoa(layer) + "." + roles[r].name + ".weight"
	}
	return roles[r].name + ".weight"
}

// SourceName returns the name of the role's tensor in block layer in files
// of format f: "model.layers.3.self_attn.q_proj.weight" for Hugging Face,
// "layers.3.attention.wq.weight" for the consolidated layout, Name for
// GGUF.
func (r Role) SourceName(f Format, layer int) string {
	if f == FormatGGUF {
		return r.Name(layer)
	}
	pattern := roleSourcePattern(r, f)
	if r.PerLayer() {
		return fmt.Sprintf(pattern, layer)
	}
	return pattern
}

// Extents returns the dimensions of the role's tensor, in GGML order
// (row length first). The slice is shared: do not modify it.
func (r Role) Extents() []Extent { return roles[r].shape }

// Shape returns the shape of the role's tensor in a model of parameters p,
// in GGML order: [Dim, Vocab] for token_embd. Safetensors files and
// PyTorch give it reversed.
func (r Role) Shape(p Params) []int64 {
	shape := make([]int64, len(roles[r].shape))
	for i, e := range roles[r].shape {
		shape[i] = e.Of(p)
	}
	return shape
}

// RopeHeads returns the number of heads over which the rows of the role's
// tensor are ordered for Hugging Face's rotate-half RoPE, when they come
// from that layout: Heads for attn_q, KVHeads for attn_k, 0 for the other
// roles. Converting reorders the rows of each head into the adjacent pairs
// of GGML's RoPE (mode 0), which the GGUF and consolidated layouts use.
func (r Role) RopeHeads(p Params) int {
	if !r.Valid() || roles[r].ropeHeads == nil {
		return 0
	}
	return roles[r].ropeHeads(p)
}

// RoleOf returns the role and the block of the tensor called name in a GGUF
// file. The block is -1 outside the blocks; a name of the form
// "blk.N.REST" gives block N even when REST names no role. A name of no
// role gives role 0.
func RoleOf(name string) (Role, int) {
	rest, ok := strings.CutPrefix(name, "blk.")
	if !ok {
		for r := TokenEmbd; r < firstBlockRole; r++ {
			if name == r.Name(-1) {
				return r, -1
			}
		}
		return 0, -1
	}
	num, rest, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, -1
	}
	layer, err := strconv.Atoi(num)
	if err != nil || layer < 0 || strconv.Itoa(layer) != num {
		return 0, -1
	}
	if kind, ok := strings.CutSuffix(rest, ".weight"); ok {
		for r := firstBlockRole; r < roleEnd; r++ {
			if kind == roles[r].name {
				return r, layer
			}
		}
	}
	return 0, layer
}

// RoleOfSource returns the role and the block of the tensor called name in
// files of format f ("model.layers.3.mlp.up_proj.weight" is FFNUp in block
// 3 for Hugging Face). The block is -1 outside the blocks; a name of no
// role gives role 0 and block -1.
func RoleOfSource(f Format, name string) (Role, int) {
	if f == FormatGGUF {
		if r, layer := RoleOf(name); r != 0 {
			return r, layer
		}
		return 0, -1
	}
	for r := TokenEmbd; r < roleEnd; r++ {
		pattern := roleSourcePattern(r, f)
		if !r.PerLayer() {
			if name == pattern {
				return r, -1
			}
			continue
		}
		prefix, suffix, _ := strings.Cut(pattern, "%d")
		num, hasPrefix := strings.CutPrefix(name, prefix)
		num, hasSuffix := strings.CutSuffix(num, suffix)
		if !hasPrefix || !hasSuffix {
			continue
		}
		if layer, err := strconv.Atoi(num); err == nil && layer >= 0 && strconv.Itoa(layer) == num {
			return r, layer
		}
	}
	return 0, -1
}

// roleSourcePattern returns the name pattern of a role in format f, with
// %d for the block.
func roleSourcePattern(r Role, f Format) string {
	if f == FormatConsolidated {
		return roles[r].consolidated
	}
	return roles[r].hf
}

// Tensor is one tensor of a model.
type Tensor struct {
	Name  string  // GGUF name
	Role  Role    //
	Layer int     // block, -1 outside the blocks
	Shape []int64 // GGML order
}

// SourceName returns the tensor's name in files of format f.
func (t Tensor) SourceName(f Format) string { return t.Role.SourceName(f, t.Layer) }

// Tensors returns every tensor of a model of parameters p in the order they
// are written: token_embd, output_norm, output, then the nine of each
// block. output is listed even when p.TiedEmbeddings: readers then use
// token_embd in its stead. p must be valid (see Validate): the list has
// TensorCount(p.Layers) entries.
func Tensors(p Params) []Tensor {
	out := make([]Tensor, 0, TensorCount(max(p.Layers, 0)))
	for r := TokenEmbd; r < firstBlockRole; r++ {
		out = append(out, Tensor{Name: r.Name(-1), Role: r, Layer: -1, Shape: r.Shape(p)})
	}
	for l := range p.Layers {
		for r := firstBlockRole; r < roleEnd; r++ {
			out = append(out, Tensor{Name: r.Name(l), Role: r, Layer: l, Shape: r.Shape(p)})
		}
	}
	return out
}

// TensorCount returns the number of tensors Tensors lists for a model of
// the given number of layers (output included).
func TensorCount(layers int) int {
	return int(firstBlockRole-TokenEmbd) + layers*int(roleEnd-firstBlockRole)
}
