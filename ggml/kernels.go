//go:build cgo

package ggml

import "runtime"

// ProductKernels are the facts of a device's matrix products with weights
// of one type (MulMat with the weights on the left and float32 activations
// on the right, one activation row per token) that decide whether a row's
// result depends on the rows computed with it.
//
// On every device this package knows, a row's result never depends on which
// or how many other rows share the product, as long as there are at least
// two: the kernels for several rows compute each row the same way. A single
// row may go through other kernels (a matrix-vector product instead of a
// tiled matrix-matrix one) whose sums come out different in their last bits.
// A caller that needs a token's numbers not to depend on its company (the
// same logits whether a token is decoded alone or in a batch) computes a lone
// row as two identical rows when LoneRowDiffers says so.
type ProductKernels struct {
	// LoneRowDiffers: a product with a single activation row uses other
	// kernels than one with several; its result can differ in the last
	// bits from the same row's in a batch.
	LoneRowDiffers bool

	// PaddingIsFree: computing a lone row as two identical rows costs no
	// measurable time (the product is bound by reading the weights, and the
	// kernel for two rows reads them once). When false, padding costs real
	// time: about 30% of single-token generation speed, measured on 7B Q4_0
	// and Q8_0 weights with GGML's AVX2 kernels.
	PaddingIsFree bool

	// RowGroup is how many activation rows the kernel multiplies together
	// at its best speed (0 or 1: no grouping). GGML's interleaved kernels
	// take rows four at a time and multiply what is left over one row at a
	// time, each such row costing nearly what four cost together: measured
	// on a 7B-wide matrix set (4 layers, 2 threads), 1 row 20 ms, 2 rows
	// 34, 3 rows 47, 4 rows 27.5, 8 rows 50. A caller gains by computing 2
	// or 3 left-over rows as a whole group (padding with copies, or with
	// rows of use).
	RowGroup int

	// WholeGroups: rows are computed alike only in whole groups of
	// RowGroup. The rows left over after the last whole group go through
	// the single-row kernel, whose sums differ in their last bits from the
	// group kernel's (a row alone always does). A caller that needs a row's
	// result not to depend on its company pads every product to whole
	// groups.
	WholeGroups bool
}

// Product returns the facts of the device's products with weights of type
// t, stored repacked (see Repacks) or as in the file.
func (d *Device) Product(t Type, repacked bool) ProductKernels {
	if !d.cpu() || runtime.GOARCH != "amd64" || !Built().AVX2 {
		// Not measured: assume the worst, so that padding keeps results
		// independent of the batch, and that it costs time for the
		// quantised types.
		return ProductKernels{LoneRowDiffers: true, PaddingIsFree: t == F32 || t == F16 || t == BF16}
	}
	if repacked {
		// The interleaved kernels take rows in groups of four. For Q4_0 and
		// IQ4_NL they compute a lone row exactly as a row of a group; for
		// Q4_K not (TestRepackedRowsDoNotDependOnBatch).
		if t == Q4_K {
			return ProductKernels{LoneRowDiffers: true, RowGroup: 4, WholeGroups: true}
		}
		return ProductKernels{RowGroup: 4}
	}
	switch t {
	case F32, F16, BF16:
		// GGML's tiled float kernels (tinyBLAS) take two rows and more;
		// one row goes to the vector dot product.
		return ProductKernels{LoneRowDiffers: true, PaddingIsFree: true}
	case Q4_0, Q5_0, Q8_0, IQ4_NL:
		// The same, for the quantised types tinyBLAS handles.
		return ProductKernels{LoneRowDiffers: true}
	}
	// Every other type (the K-quants among them) uses the vector dot
	// product for any number of rows.
	return ProductKernels{}
}
