package mistral

// kernelFacts is what the device's matrix products with the model's
// weights mean for a token's logits (see ggml.ProductKernels): whether a
// token computed alone could come out different in its last bits from the
// same token computed with others, and what it costs to prevent.
type kernelFacts struct {
	// loneRowDiffers: some matrix in use multiplies a lone row with other
	// kernels than several.
	loneRowDiffers bool
	// paddingIsFree: every such matrix takes a lone row computed twice at
	// no measurable cost.
	paddingIsFree bool
}

// kernelFactsOf asks the device about every matrix a forward pass
// multiplies (all weights but the norms and the embedding, which is only
// gathered by rows, unless it is also the output head), as stored:
// repacked when repacked says the repackable ones are.
func (m *model) kernelFactsOf(specs []tensorSpec, repacked bool) kernelFacts {
	f := kernelFacts{paddingIsFree: true}
	for _, s := range specs {
		if s.norm || s.name == "token_embd.weight" {
			continue
		}
		k := m.dev.Product(s.info.Type, repacked && m.repackable(s))
		if k.LoneRowDiffers {
			f.loneRowDiffers = true
			f.paddingIsFree = f.paddingIsFree && k.PaddingIsFree
		}
	}
	return f
}

// padsLone reports whether a Session with this configuration computes a
// lone token as two identical rows, so that its logits are those it would
// have in a batch: when some product differs for a lone row, always where
// that costs nothing, otherwise only when the Session asks to be
// deterministic.
func (f kernelFacts) padsLone(deterministic bool) bool {
	return f.loneRowDiffers && (f.paddingIsFree || deterministic)
}
