package quant

import (
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
)

// The mixtures of the named quantisations.
//
// A file type such as Q4_K_M does not put every weight in Q4_K: it gives
// more bits to the tensors whose errors hurt most. The rules below are those
// users know from llama.cpp's quantizer (llama_tensor_get_type and the ftype
// table of llama_model_quantize_impl, in src/llama-quant.cpp of llama.cpp as
// the ollama v0.17.4 module carries it), learnt by reading them and written
// again here as a table, for the tensors a Mistral model has. Rules for
// other architectures (Falcon, 70B models, mixtures of experts) and for the
// types that need an importance matrix are left out.
//
//   - The output matrix (and token_embd in its stead when the model ties
//     them) gets Q6_K in every quantised type but Q8_0, which keeps Q8_0;
//     when its rows are not a multiple of the base type's block, Q8_0.
//   - The embedding matrix keeps the base type.
//   - attn_v, ffn_down and attn_output get more bits in the K mixtures, in
//     some layers: see mixtureRules.
//   - Everything else gets the base type. The 1-D tensors (the norms) are
//     never quantised: they stay F32.
//   - When a row length is not a multiple of the chosen type's block (256
//     for the K types), the tensor falls back to a type of 32-element
//     blocks of about the same size (fallbackTypes), and to F16 when even
//     that does not fit.

// mixtureModel is what the rules need to know of the model.
type mixtureModel struct {
	layers    int  // number of blocks
	gqa       int  // query heads per key/value head
	hasOutput bool // the file has output.weight (else token_embd serves as the output)
}

// newMixtureModel returns what the rules know of a model of parameters p.
func newMixtureModel(p arch.Params) mixtureModel {
	return mixtureModel{layers: p.Layers, gqa: p.Group(), hasOutput: !p.TiedEmbeddings}
}

// layerRule decides from the layer (and the model) whether a rule applies.
type layerRule func(layer int, m mixtureModel) bool

// allLayers applies everywhere.
func allLayers(int, mixtureModel) bool { return true }

// moreBitsLayers are the layers llama.cpp favours in Q4_K_M and Q5_K_M:
// the first eighth, the last eighth, and every third layer in between
// (for 32 layers: 0-3, 6, 9, ..., 27, 28-31).
func moreBitsLayers(layer int, m mixtureModel) bool {
	n := m.layers
	return layer < n/8 || layer >= 7*n/8 || (layer-n/8)%3 == 2
}

// firstLayers applies to the first k layers.
func firstLayers(k int) layerRule {
	return func(layer int, _ mixtureModel) bool { return layer < k }
}

// firstFraction applies to the first n/den layers (rounded down).
func firstFraction(den int) layerRule {
	return func(layer int, m mixtureModel) bool { return layer < m.layers/den }
}

// gqaAtLeast applies when query heads share key/value heads by groups of
// at least k (Mistral 7B: 32/8 = 4).
func gqaAtLeast(k int) layerRule {
	return func(_ int, m mixtureModel) bool { return m.gqa >= k }
}

// mixtureRule gives tensors of one role in one file type the type use, in
// the layers where when holds. For a role and a file type, the first rule
// that holds wins; when none does, the tensor gets the base type.
type mixtureRule struct {
	role arch.Role
	ft   FileType
	when layerRule
	use  gguf.Type
}

// mixtureRules is the table of the K mixtures. Q3_K_S, Q5_K_S, Q6_K and the
// 32-block types (Q4_0 ... Q8_0) have no rule of their own: only the
// output matrix differs from their base type.
var mixtureRules = []mixtureRule{
	// attn_v: the values, small under grouped-query attention, cheap to
	// favour.
	{arch.AttnV, FileTypeQ2_K, gqaAtLeast(4), gguf.TypeQ4_K},
	{arch.AttnV, FileTypeQ2_K, allLayers, gguf.TypeQ3_K},
	{arch.AttnV, FileTypeQ3_K_M, firstLayers(2), gguf.TypeQ5_K},
	{arch.AttnV, FileTypeQ3_K_M, allLayers, gguf.TypeQ4_K},
	{arch.AttnV, FileTypeQ3_K_L, allLayers, gguf.TypeQ5_K},
	{arch.AttnV, FileTypeQ4_K_S, firstLayers(4), gguf.TypeQ5_K},
	{arch.AttnV, FileTypeQ4_K_M, moreBitsLayers, gguf.TypeQ6_K},
	{arch.AttnV, FileTypeQ5_K_M, moreBitsLayers, gguf.TypeQ6_K},

	// ffn_down: the feed-forward output, the most sensitive large matrix.
	{arch.FFNDown, FileTypeQ2_K, allLayers, gguf.TypeQ3_K},
	{arch.FFNDown, FileTypeQ3_K_M, firstFraction(16), gguf.TypeQ5_K},
	{arch.FFNDown, FileTypeQ3_K_M, allLayers, gguf.TypeQ4_K},
	{arch.FFNDown, FileTypeQ3_K_L, allLayers, gguf.TypeQ5_K},
	{arch.FFNDown, FileTypeQ4_K_S, firstFraction(8), gguf.TypeQ5_K},
	{arch.FFNDown, FileTypeQ4_K_M, moreBitsLayers, gguf.TypeQ6_K},
	{arch.FFNDown, FileTypeQ5_K_M, moreBitsLayers, gguf.TypeQ6_K},

	// attn_output: one step up in the smaller K mixtures.
	{arch.AttnOutput, FileTypeQ2_K, allLayers, gguf.TypeQ3_K},
	{arch.AttnOutput, FileTypeQ3_K_M, allLayers, gguf.TypeQ4_K},
	{arch.AttnOutput, FileTypeQ3_K_L, allLayers, gguf.TypeQ5_K},
}

// fallbackTypes gives, for the types of 256-element blocks, a type of
// 32-element blocks of about as many bits per weight, for rows whose length
// is not a multiple of 256 (llama.cpp's choices). A row that is not even a
// multiple of 32 falls back to F16.
var fallbackTypes = map[gguf.Type]gguf.Type{
	gguf.TypeQ2_K: gguf.TypeIQ4_NL, // no 32-block type below 4 bits: 4.5 bits, non-linear levels
	gguf.TypeQ3_K: gguf.TypeIQ4_NL,
	gguf.TypeQ4_K: gguf.TypeQ5_0, // 4.5 -> 5.5 bits
	gguf.TypeQ5_K: gguf.TypeQ5_1, // 5.5 -> 6 bits
	gguf.TypeQ6_K: gguf.TypeQ8_0, // 6.56 -> 8.5 bits
}

// tensorType returns the type a 2-D weight named name, of rows of rowLen
// elements, gets in file type ft, and whether it is a fallback because the
// mixture's choice does not fit the row length. ft must be valid.
func (ft FileType) tensorType(name string, rowLen int64, m mixtureModel) (typ gguf.Type, fallback bool) {
	base := ft.BaseType()
	if !ft.quantized() {
		return base, false
	}
	typ = base
	role, layer := arch.RoleOf(name)
	if role == arch.Output || (role == arch.TokenEmbd && !m.hasOutput) {
		switch {
		case rowLen%int64(base.BlockSize()) != 0:
			typ = gguf.TypeQ8_0
		case base != gguf.TypeQ8_0:
			typ = gguf.TypeQ6_K
		}
	} else if layer >= 0 {
		for _, r := range mixtureRules {
			if r.role == role && r.ft == ft && r.when(layer, m) {
				typ = r.use
				break
			}
		}
	}
	if rowLen%int64(typ.BlockSize()) == 0 {
		return typ, false
	}
	if fb, ok := fallbackTypes[typ]; ok && rowLen%int64(fb.BlockSize()) == 0 {
		return fb, true
	}
	return gguf.TypeF16, true
}

// TensorType returns the GGML type that the 2-D weight named name (a
// standard GGUF tensor name), of rows of rowLen elements, gets in file type
// ft, for a model of the given number of layers, query heads per key/value
// head, and with or without its own output matrix. 1-D norms are F32
// whatever ft says; this is for the matrices.
func (ft FileType) TensorType(name string, rowLen int64, layers, queryPerKV int, hasOutput bool) gguf.Type {
	if !ft.Valid() {
		return ft.BaseType()
	}
	t, _ := ft.tensorType(name, rowLen, mixtureModel{layers: layers, gqa: queryPerKV, hasOutput: hasOutput})
	return t
}
