package mistral

import (
	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/mistral/arch"
)

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
	// wholeGroup: some matrix of the layers computes rows alike only in
	// whole groups of this many (see ggml.ProductKernels.WholeGroups); 0:
	// none. outputWhole: the output matrix is such a matrix.
	wholeGroup  int
	outputWhole bool
	// outputRows: the logits of some tokens only can be computed with the
	// bits of the whole product (ggml.MulMatRows: an exact type, not
	// repacked, on the CPU, the vocabulary in groups of onlyGranule).
	outputRows bool
}

// kernelFactsOf asks the device about every matrix a forward pass
// multiplies (all weights but the norms and the embedding, which is only
// gathered by rows, unless it is also the output head), as stored:
// repacked when repacked says the repackable ones are.
func (m *model) kernelFactsOf(specs []tensorSpec, repacked bool) kernelFacts {
	f := kernelFacts{paddingIsFree: true}
	first := true
	for _, s := range specs {
		if s.role == arch.Output {
			f.outputRows = m.dev.Kind() == ggml.DeviceCPU && ggml.RowsExact(s.info.Type) &&
				!(repacked && m.repackable(s)) && m.params.Vocab%onlyGranule == 0
		}
		if s.norm || s.role == arch.TokenEmbd {
			continue
		}
		k := m.dev.Product(s.info.Type, repacked && m.repackable(s))
		if k.LoneRowDiffers {
			f.loneRowDiffers = true
			f.paddingIsFree = f.paddingIsFree && k.PaddingIsFree
		}
		if k.WholeGroups {
			f.wholeGroup = max(f.wholeGroup, k.RowGroup)
			f.outputWhole = f.outputWhole || s.layer < 0
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

// padding returns how many rows to compute after a pass's rows copying its
// first ones (pad), and how many output rows after its output rows copying
// the last (padOut). exact: some Session of the pass pads for determinism
// (see padsLone); lone: the pass is one such Session's alone.
//
// Where some matrix computes rows alike only in whole groups, an exact pass
// is padded to whole groups (and its output rows too, if the output matrix
// is such a matrix). Otherwise a lone token is computed twice when lone, and
// a lone output row likewise; and up to the kernels' next whole group when
// two or more rows are left over (a left-over row costs nearly a whole
// group, so two cost more than the group: measured 2 rows 32 ms, 3 rows 45,
// 4 rows 31 on a 7B-wide Q4_0 model of 4 layers).
func (f kernelFacts) padding(rows, outputs int, exact, lone bool) (pad, padOut int) {
	if lone && outputs == 1 {
		padOut = 1
	}
	if g := f.wholeGroup; exact && g > 1 {
		if f.outputWhole {
			padOut = (g - outputs%g) % g
		}
		return (g - rows%g) % g, padOut
	}
	if rows == 1 {
		if lone {
			return 1, padOut
		}
		return 0, padOut
	}
	if g := f.rowGroup; g > 1 && rows%g >= 2 {
		return g - rows%g, padOut
	}
	return 0, padOut
}

// padsLone reports whether a Session with this configuration computes a
// lone token as two identical rows, so that its logits are those it would
// have in a batch: when some product differs for a lone row, always where
// that costs nothing, otherwise only when the Session asks to be
// deterministic.
func (f kernelFacts) padsLone(deterministic bool) bool {
	return f.loneRowDiffers && (f.paddingIsFree || deterministic)
}
