// The part of GGML's C API that package ggml calls, declared here in our own
// words. GGML's structs stay opaque: only pointers to them cross into Go.
// Enumerations are passed as int; their values live on the Go side and a test
// checks them against the GGML this package links (see abi_test.go).
//
// The declarations must agree with the GGML carried by the Go module
// github.com/ollama/ollama at the version pinned in go.mod.

#ifndef GOMISTRAL_GGML_API_H
#define GOMISTRAL_GGML_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ggml_context;
struct ggml_tensor;
struct ggml_cgraph;
struct ggml_backend;
struct ggml_backend_buffer;
struct ggml_backend_buffer_type;
struct ggml_gallocr;

// ggml_init takes this struct by value: the one struct we must lay out.
struct ggml_init_params {
	size_t mem_size;
	void  *mem_buffer;
	bool   no_alloc;
};

// Type traits, read for a type's name, sizes and dequantisation routine.
typedef void (*gm_to_float_fn)(const void *x, float *y, int64_t k);
typedef void (*gm_from_float_fn)(const float *x, void *y, int64_t k);
struct ggml_type_traits {
	const char      *type_name;
	int64_t          blck_size;
	int64_t          blck_size_interleave;
	size_t           type_size;
	bool             is_quantized;
	gm_to_float_fn   to_float;
	gm_from_float_fn from_float_ref;
};

// CPU type traits: how the CPU backend converts the other operand of a
// product with a tensor of this type (vec_dot_type) and from float32.
typedef void (*gm_vec_dot_fn)(int n, float *s, size_t bs, const void *x, size_t bx, const void *y, size_t by, int nrc);
struct ggml_type_traits_cpu {
	gm_from_float_fn from_float;
	gm_vec_dot_fn    vec_dot;
	int              vec_dot_type;
	int64_t          nrows;
};
const struct ggml_type_traits_cpu *ggml_get_type_traits_cpu(int type);

// Types and sizes.
const char *ggml_type_name(int type);
size_t      ggml_type_size(int type);
int64_t     ggml_blck_size(int type);
size_t      ggml_row_size(int type, int64_t ne);
bool        ggml_is_quantized(int type);
const struct ggml_type_traits *ggml_get_type_traits(int type);
bool        ggml_quantize_requires_imatrix(int type);
size_t      ggml_quantize_chunk(int type, const float *src, void *dst, int64_t start,
                                int64_t nrows, int64_t n_per_row, const float *imatrix);
bool        ggml_validate_row_data(int type, const void *data, size_t nbytes);

// Contexts.
struct ggml_context *ggml_init(struct ggml_init_params params);
void                 ggml_free(struct ggml_context *ctx);
size_t               ggml_tensor_overhead(void);
size_t               ggml_graph_overhead_custom(size_t size, bool grads);
size_t               ggml_used_mem(const struct ggml_context *ctx);

// Tensors.
struct ggml_tensor *ggml_new_tensor(struct ggml_context *ctx, int type, int n_dims, const int64_t *ne);
struct ggml_tensor *ggml_set_name(struct ggml_tensor *t, const char *name);
void                ggml_set_input(struct ggml_tensor *t);
void                ggml_set_output(struct ggml_tensor *t);
int64_t             ggml_nelements(const struct ggml_tensor *t);
int64_t             ggml_nrows(const struct ggml_tensor *t);
size_t              ggml_nbytes(const struct ggml_tensor *t);
bool                ggml_is_contiguous(const struct ggml_tensor *t);
void               *ggml_get_data(const struct ggml_tensor *t);

// Views and layout.
struct ggml_tensor *ggml_view_1d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, size_t offset);
struct ggml_tensor *ggml_view_2d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, int64_t ne1,
                                 size_t nb1, size_t offset);
struct ggml_tensor *ggml_view_3d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, int64_t ne1,
                                 int64_t ne2, size_t nb1, size_t nb2, size_t offset);
struct ggml_tensor *ggml_view_4d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, int64_t ne1,
                                 int64_t ne2, int64_t ne3, size_t nb1, size_t nb2, size_t nb3, size_t offset);
struct ggml_tensor *ggml_reshape_1d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0);
struct ggml_tensor *ggml_reshape_2d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, int64_t ne1);
struct ggml_tensor *ggml_reshape_3d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, int64_t ne1,
                                    int64_t ne2);
struct ggml_tensor *ggml_reshape_4d(struct ggml_context *ctx, struct ggml_tensor *a, int64_t ne0, int64_t ne1,
                                    int64_t ne2, int64_t ne3);
struct ggml_tensor *ggml_permute(struct ggml_context *ctx, struct ggml_tensor *a, int axis0, int axis1,
                                 int axis2, int axis3);
struct ggml_tensor *ggml_cont(struct ggml_context *ctx, struct ggml_tensor *a);
struct ggml_tensor *ggml_cpy(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b);
struct ggml_tensor *ggml_concat(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b, int dim);

// Operations.
struct ggml_tensor *ggml_get_rows(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b);
struct ggml_tensor *ggml_set_rows(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b,
                                  struct ggml_tensor *c);
struct ggml_tensor *ggml_mul_mat(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b);
typedef void (*gm_custom3_fn)(struct ggml_tensor *dst, const struct ggml_tensor *a, const struct ggml_tensor *b,
                              const struct ggml_tensor *c, int ith, int nth, void *userdata);
struct ggml_tensor *ggml_map_custom3_inplace(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b,
                                             struct ggml_tensor *c, gm_custom3_fn fun, int n_tasks, void *userdata);
uint16_t            ggml_fp32_to_fp16(float x);
void                ggml_mul_mat_set_prec(struct ggml_tensor *a, int prec);
struct ggml_tensor *ggml_add(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b);
struct ggml_tensor *ggml_mul(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b);
struct ggml_tensor *ggml_scale(struct ggml_context *ctx, struct ggml_tensor *a, float s);
struct ggml_tensor *ggml_rms_norm(struct ggml_context *ctx, struct ggml_tensor *a, float eps);
struct ggml_tensor *ggml_silu(struct ggml_context *ctx, struct ggml_tensor *a);
struct ggml_tensor *ggml_swiglu_split(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *b);
struct ggml_tensor *ggml_rope_ext(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *pos,
                                  struct ggml_tensor *freq_factors, int n_dims, int mode, int n_ctx_orig,
                                  float freq_base, float freq_scale, float ext_factor, float attn_factor,
                                  float beta_fast, float beta_slow);
struct ggml_tensor *ggml_soft_max_ext(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *mask,
                                      float scale, float max_bias);
struct ggml_tensor *ggml_soft_max_ext_inplace(struct ggml_context *ctx, struct ggml_tensor *a, struct ggml_tensor *mask,
                                              float scale, float max_bias);
struct ggml_tensor *ggml_flash_attn_ext(struct ggml_context *ctx, struct ggml_tensor *q, struct ggml_tensor *k,
                                        struct ggml_tensor *v, struct ggml_tensor *mask, float scale,
                                        float max_bias, float logit_softcap);
void                ggml_flash_attn_ext_set_prec(struct ggml_tensor *a, int prec);

// Graphs.
struct ggml_cgraph *ggml_new_graph_custom(struct ggml_context *ctx, size_t size, bool grads);
void                ggml_build_forward_expand(struct ggml_cgraph *g, struct ggml_tensor *t);
int                 ggml_graph_n_nodes(struct ggml_cgraph *g);

// Backends and buffers.
// Devices, from GGML's registry (the CPU is always there).
struct ggml_backend_device;
size_t                       ggml_backend_dev_count(void);
struct ggml_backend_device  *ggml_backend_dev_get(size_t index);
const char                  *ggml_backend_dev_name(struct ggml_backend_device *d);
const char                  *ggml_backend_dev_description(struct ggml_backend_device *d);
int                          ggml_backend_dev_type(struct ggml_backend_device *d);
void                         ggml_backend_dev_memory(struct ggml_backend_device *d, size_t *free, size_t *total);
struct ggml_backend         *ggml_backend_dev_init(struct ggml_backend_device *d, const char *params);
struct ggml_backend_buffer_type *ggml_backend_dev_buffer_type(struct ggml_backend_device *d);
struct ggml_backend_buffer  *ggml_backend_dev_buffer_from_host_ptr(struct ggml_backend_device *d, void *ptr, size_t size,
                                                                  size_t max_tensor_size);
struct ggml_backend_buffer  *ggml_backend_alloc_ctx_tensors_from_buft(struct ggml_context *ctx,
                                                                     struct ggml_backend_buffer_type *buft);

struct ggml_backend        *ggml_backend_cpu_init(void);
void                        ggml_backend_cpu_set_n_threads(struct ggml_backend *b, int n_threads);
void                        ggml_backend_free(struct ggml_backend *b);
int                         ggml_backend_graph_compute(struct ggml_backend *b, struct ggml_cgraph *g);
struct ggml_backend_buffer_type *ggml_backend_get_default_buffer_type(struct ggml_backend *b);
struct ggml_backend_buffer *ggml_backend_alloc_ctx_tensors(struct ggml_context *ctx, struct ggml_backend *b);
struct ggml_backend_buffer *ggml_backend_cpu_buffer_from_ptr(void *ptr, size_t size);
void                        ggml_backend_buffer_free(struct ggml_backend_buffer *buf);
size_t                      ggml_backend_buffer_get_size(struct ggml_backend_buffer *buf);
void                       *ggml_backend_buffer_get_base(struct ggml_backend_buffer *buf);
void                        ggml_backend_buffer_clear(struct ggml_backend_buffer *buf, uint8_t value);
int                         ggml_backend_tensor_alloc(struct ggml_backend_buffer *buf, struct ggml_tensor *t,
                                                      void *addr);
void ggml_backend_tensor_set(struct ggml_tensor *t, const void *data, size_t offset, size_t size);
void ggml_backend_tensor_get(const struct ggml_tensor *t, void *data, size_t offset, size_t size);

// Graph allocation for intermediate tensors.
struct ggml_gallocr *ggml_gallocr_new(struct ggml_backend_buffer_type *buft);
void                 ggml_gallocr_free(struct ggml_gallocr *ga);
bool                 ggml_gallocr_reserve(struct ggml_gallocr *ga, struct ggml_cgraph *g);
bool                 ggml_gallocr_alloc_graph(struct ggml_gallocr *ga, struct ggml_cgraph *g);
size_t               ggml_gallocr_get_buffer_size(struct ggml_gallocr *ga, int buffer_id);

// What the CPU backend was compiled for.
int ggml_cpu_has_avx(void);
int ggml_cpu_has_avx2(void);
int ggml_cpu_has_fma(void);
int ggml_cpu_has_f16c(void);
int ggml_cpu_has_avx512(void);
int ggml_cpu_has_neon(void);

struct ggml_backend_buffer *ggml_backend_buft_alloc_buffer(struct ggml_backend_buffer_type *buft, size_t size);

// Small helpers of our own (defined in helpers.c and repack.cpp).
struct ggml_backend_buffer_type *gm_repack_buffer_type(void);
void gm_dequantize(const struct ggml_type_traits *tr, const void *src, float *dst, int64_t n);
void gm_from_float(const struct ggml_type_traits_cpu *tr, const float *src, void *dst, int64_t n);
struct ggml_tensor *gm_set_columns_f16(struct ggml_context *ctx, struct ggml_tensor *dst, struct ggml_tensor *src,
                                       struct ggml_tensor *ids);

#endif
