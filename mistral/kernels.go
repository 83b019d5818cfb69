package mistral

import "github.com/gomistral/gomistral/mistral/arch"

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
	// rowGroup: every matrix of the layers multiplies rows this many at a
	// time at its best speed (see ggml.ProductKernels.RowGroup); 0 or 1:
	// no grouping.
	rowGroup int
}

// kernelFactsOf asks the device about every matrix a forward pass
// multiplies (all weights but the norms and the embedding, which is only
// gathered by rows, unless it is also the output head), as stored:
// repacked when repacked says the repackable ones are.
func (m *model) kernelFactsOf(specs []tensorSpec, repacked bool) kernelFacts {
	f := kernelFacts{paddingIsFree: true}
	first := true
	for _, s := range specs {
		if s.norm || s.role == arch.TokenEmbd {
			continue
		}
		k := m.dev.Product(s.info.Type, repacked && m.repackable(s))
		if k.LoneRowDiffers {
			f.loneRowDiffers = true
			f.paddingIsFree = f.paddingIsFree && k.PaddingIsFree
		}
		if s.layer >= 0 { // the same group for every matrix of the layers, or none
			if first {
				f.rowGroup, first = k.RowGroup, false
			} else if k.RowGroup != f.rowGroup {
				f.rowGroup = 0
			}
		}
	}
	return f
}

// padRows returns how many rows to compute after a pass's rows copying its
// first ones: one for a lone token when the Session pads it (lone), and up
// to the kernels' next whole group when two or more rows are left over (a
// left-over row costs nearly a whole group, so two cost more than the
// group: measured 2 rows 32 ms, 3 rows 45, 4 rows 31 on a 7B-wide Q4_0
// model of 4 layers).
func (f kernelFacts) padRows(rows int, lone bool) int {
	if rows == 1 {
		if lone {
			return 1
		}
		return 0
	}
	if g := f.rowGroup; g > 1 && rows%g >= 2 {
		return g - rows%g
	}
	return 0
}

// padsLone reports whether a Session with this configuration computes a
// lone token as two identical rows, so that its logits are those it would
// have in a batch: when some product differs for a lone row, always where
// that costs nothing, otherwise only when the Session asks to be
// deterministic.
func (f kernelFacts) padsLone(deterministic bool) bool {
	return f.loneRowDiffers && (f.paddingIsFree || deterministic)
}
