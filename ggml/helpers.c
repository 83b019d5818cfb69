//go:build cgo

#include "api.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

// gm_dequantize converts n elements of src, stored as the type whose traits
// are given, to float32. Calling through the traits' function pointer needs C.
void gm_dequantize(const struct ggml_type_traits *tr, const void *src, float *dst, int64_t n) {
	tr->to_float(src, dst, n);
}

// gm_from_float converts n float32 values to the type whose CPU traits are
// given, the way the CPU backend converts activations before a product.
void gm_from_float(const struct ggml_type_traits_cpu *tr, const float *src, void *dst, int64_t n) {
	tr->from_float(src, dst, n);
}

// gm_f16 rounds x to the nearest half-precision value, ties to even: with
// F16C the instruction the CPU backend itself converts with, elsewhere
// GGML's own conversion, which rounds the same way.
static inline uint16_t gm_f16(float x) {
#if defined(__F16C__)
	return _cvtss_sh(x, 0);
#else
	return ggml_fp32_to_fp16(x);
#endif
}

// set_columns writes column t of src (F32, contiguous: n columns of rows
// values) into column ids[t] of dst (F16, contiguous: rows rows of cols
// values), converted to F16. Thread ith of nth takes its share of the rows.
// The sizes come from the element counts: rows = |src| / n, cols = |dst| / rows.
static void set_columns(struct ggml_tensor *dst, const struct ggml_tensor *a, const struct ggml_tensor *src,
                        const struct ggml_tensor *ids, int ith, int nth, void *userdata) {
	(void)a;
	(void)userdata;
	const int64_t n = ggml_nelements(ids);
	const int64_t rows = ggml_nelements(src) / n;
	const int64_t cols = ggml_nelements(dst) / rows;
	const float *x = ggml_get_data(src);
	const int64_t *at = ggml_get_data(ids);
	uint16_t *y = ggml_get_data(dst);
	const int64_t per = (rows + nth - 1) / nth;
	const int64_t r0 = ith * per;
	const int64_t r1 = r0 + per < rows ? r0 + per : rows;
	for (int64_t t = 0; t < n; t++) {
		const int64_t c = at[t];
		if (c < 0 || c >= cols) {
			continue; // checked by the caller; never write outside dst
		}
		const float *xt = x + t * rows;
		for (int64_t r = r0; r < r1; r++) {
			y[r * cols + c] = gm_f16(xt[r]);
		}
	}
}

// gm_set_columns_f16 is the node that writes the columns of src into dst at
// ids (see set_columns), in place: the result is a view of dst.
struct ggml_tensor *gm_set_columns_f16(struct ggml_context *ctx, struct ggml_tensor *dst, struct ggml_tensor *src,
                                       struct ggml_tensor *ids) {
	return ggml_map_custom3_inplace(ctx, dst, src, ids, set_columns, -1, NULL);
}
