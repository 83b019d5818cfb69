//go:build cgo

// Attention as one operation of a GGML graph (a custom operation run by the
// CPU backend's threads), written for this package: for each token and
// each key head, the query heads that share the key head are computed
// together, so that every cached key and value row is read and converted
// to float32 once for all of them (and for a few tokens at once). Scores,
// the running softmax and the weighted sum of the values are all float32,
// whatever the cache stores (F32, F16 or a block type such as Q8_0).
//
// With F16 keys the query is rounded to F16 first, as GGML's own products
// with F16 matrices round the other operand.
//
// Each (token, head) row is computed on its own, over the slots in order,
// with the same arithmetic whichever other rows share the operation: a
// token's result does not depend on how tokens are grouped into passes.
// A slot whose mask entry is -Inf is skipped and contributes nothing.

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define GM_AVX2 1
#endif

// Tokens computed together: their rows share each key and value row read.
#define GM_TILE 4

// F16 -Inf, the mask entry of a slot a token does not see.
#define GM_MASK_HIDE 0xfc00

static float gm_dot(const float *a, const float *b, int64_t n) {
	int64_t i = 0;
	float r = 0;
#ifdef GM_AVX2
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	for (; i + 16 <= n; i += 16) {
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
	}
	for (; i + 8 <= n; i += 8) {
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	}
	s0 = _mm256_add_ps(s0, s1);
	__m128 h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
	h = _mm_add_ps(h, _mm_movehl_ps(h, h));
	h = _mm_add_ss(h, _mm_movehdup_ps(h));
	r = _mm_cvtss_f32(h);
#endif
	for (; i < n; i++) {
		r += a[i] * b[i];
	}
	return r;
}

// gm_axpy adds w times x to y.
static void gm_axpy(float *y, float w, const float *x, int64_t n) {
	int64_t i = 0;
#ifdef GM_AVX2
	__m256 vw = _mm256_set1_ps(w);
	for (; i + 8 <= n; i += 8) {
		_mm256_storeu_ps(y + i, _mm256_fmadd_ps(vw, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
	}
#endif
	for (; i < n; i++) {
		y[i] += w * x[i];
	}
}

static void gm_scale(float *y, float w, int64_t n) {
	for (int64_t i = 0; i < n; i++) {
		y[i] *= w;
	}
}

// gm_row_f32 converts one cached row of n elements to float32.
static void gm_row_f32(int type, const struct ggml_type_traits *tr, const void *row, float *out, int64_t n) {
	switch (type) {
	case GM_TYPE_F32:
		memcpy(out, row, (size_t)n * sizeof(float));
		break;
	case GM_TYPE_F16:
		ggml_cpu_fp16_to_fp32((const uint16_t *)row, out, n);
		break;
	default:
		tr->to_float(row, out, n);
	}
}

static void gm_attend(struct ggml_tensor *dst, int ith, int nth, void *userdata) {
	const struct gm_attention_args *a = userdata;
	const int64_t hd = a->head_dim, group = a->heads / a->kv_heads;
	const int64_t tiles = (a->tokens + GM_TILE - 1) / GM_TILE;
	const int64_t tasks = tiles * a->kv_heads;
	if (ith >= tasks) {
		return;
	}
	const int64_t rows = GM_TILE * group; // (token, head) rows of a task
	float *buf = malloc(sizeof(float) * (size_t)(2 * hd + 2 * rows * hd + 2 * rows) + sizeof(uint16_t) * (size_t)hd);
	if (buf == NULL) {
		abort();
	}
	uint16_t *half = (uint16_t *)(buf + 2 * hd + 2 * rows * hd + 2 * rows);
	float *krow = buf, *vrow = krow + hd, *q = vrow + hd, *acc = q + rows * hd, *best = acc + rows * hd,
	      *sum = best + rows;
	const struct ggml_type_traits *ktr = ggml_get_type_traits(a->k_type);
	const struct ggml_type_traits *vtr = ggml_get_type_traits(a->v_type);
	const char *qd = ggml_get_data(a->q), *kd = ggml_get_data(a->k), *vd = ggml_get_data(a->v),
	           *md = ggml_get_data(a->mask);
	float *out = ggml_get_data(dst);

	for (int64_t task = ith; task < tasks; task += nth) {
		const int64_t g = task % a->kv_heads, t0 = task / a->kv_heads * GM_TILE;
		const int64_t nt = a->tokens - t0 < GM_TILE ? a->tokens - t0 : GM_TILE;
		const uint16_t *mask[GM_TILE];
		for (int64_t t = 0; t < nt; t++) {
			mask[t] = (const uint16_t *)(md + (t0 + t) * a->mask_nb1);
			for (int64_t j = 0; j < group; j++) {
				const int64_t r = t * group + j, h = g * group + j;
				memcpy(q + r * hd, qd + (t0 + t) * a->q_nb2 + h * a->q_nb1, (size_t)hd * sizeof(float));
				if (a->k_type == GM_TYPE_F16) {
					ggml_cpu_fp32_to_fp16(q + r * hd, half, hd);
					ggml_cpu_fp16_to_fp32(half, q + r * hd, hd);
				}
				memset(acc + r * hd, 0, (size_t)hd * sizeof(float));
				best[r] = -INFINITY;
				sum[r] = 0;
			}
		}
		for (int64_t s = 0; s < a->kv; s++) {
			float mv[GM_TILE];
			int seen = 0;
			for (int64_t t = 0; t < nt; t++) {
				const uint16_t m = mask[t][s];
				mv[t] = m == 0 ? 0.0f : m == GM_MASK_HIDE ? -INFINITY : ggml_fp16_to_fp32(m);
				seen |= mv[t] != -INFINITY;
			}
			if (!seen) {
				continue;
			}
			gm_row_f32(a->k_type, ktr, kd + s * a->k_nb1 + g * a->k_nb2, krow, hd);
			gm_row_f32(a->v_type, vtr, vd + s * a->v_nb1 + g * a->v_nb2, vrow, hd);
			for (int64_t t = 0; t < nt; t++) {
				if (mv[t] == -INFINITY) {
					continue;
				}
				for (int64_t j = 0; j < group; j++) {
					const int64_t r = t * group + j;
					const float x = gm_dot(q + r * hd, krow, hd) * a->scale + mv[t];
					float *y = acc + r * hd;
					if (x > best[r]) {
						// A new largest score: what was summed so far is
						// scaled down to it.
						const float shrink = expf(best[r] - x);
						best[r] = x;
						gm_scale(y, shrink, hd);
						sum[r] = sum[r] * shrink + 1;
						gm_axpy(y, 1, vrow, hd);
					} else {
						const float w = expf(x - best[r]);
						sum[r] += w;
						gm_axpy(y, w, vrow, hd);
					}
				}
			}
		}
		for (int64_t t = 0; t < nt; t++) {
			for (int64_t j = 0; j < group; j++) {
				const int64_t r = t * group + j, h = g * group + j;
				float *o = out + ((t0 + t) * a->heads + h) * hd;
				const float inv = sum[r] > 0 ? 1 / sum[r] : 0;
				for (int64_t d = 0; d < hd; d++) {
					o[d] = acc[r * hd + d] * inv;
				}
			}
		}
	}
	free(buf);
}

struct ggml_tensor *gm_attention(struct ggml_context *ctx, const struct gm_attention_args *args) {
	struct ggml_tensor *srcs[4] = {args->q, args->k, args->v, args->mask};
	return ggml_custom_4d(ctx, GM_TYPE_F32, args->head_dim, args->heads, args->tokens, 1, srcs, 4, gm_attend,
	                      GM_N_TASKS_MAX, (void *)args);
}
