//go:build cgo

#include "api.h"

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
