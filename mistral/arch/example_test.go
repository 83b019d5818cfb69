package arch_test

import (
	"fmt"

	"github.com/gomistral/gomistral/mistral/arch"
)

// Mistral 7B v0.1's tensors, their names in each layout and their shapes.
func Example() {
	p := arch.Params{Vocab: 32000, Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8, HeadDim: 128, FFN: 14336,
		RopeDims: 128, RopeBase: 10000, NormEps: 1e-5, ContextLength: 32768, Window: 4096}
	if err := p.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	ts := arch.Tensors(p)
	fmt.Println(len(ts), "tensors")
	for _, t := range ts[:5] {
		fmt.Println(t.Name, t.Shape, t.SourceName(arch.FormatHuggingFace), t.Role.RopeHeads(p))
	}
	role, layer := arch.RoleOf("blk.31.ffn_down.weight")
	fmt.Println(role, layer, role.SourceName(arch.FormatConsolidated, layer))
	// Output:
	// 291 tensors
	// token_embd.weight [4096 32000] model.embed_tokens.weight 0
	// output_norm.weight [4096] model.norm.weight 0
	// output.weight [4096 32000] lm_head.weight 0
	// blk.0.attn_norm.weight [4096] model.layers.0.input_layernorm.weight 0
	// blk.0.attn_q.weight [4096 4096] model.layers.0.self_attn.q_proj.weight 32
	// ffn_down 31 layers.31.feed_forward.w2.weight
}
