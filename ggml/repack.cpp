//go:build cgo

// The CPU backend's repacked weight layout. GGML can store Q4_0, Q4_K and
// IQ4_NL matrices with the blocks of eight rows interleaved, which its AVX2
// (and NEON) kernels multiply faster than the plain layout. The buffer type
// that does the repacking is compiled into the CPU backend, but the build we
// link does not register it among the backend's extra buffer types, so a
// product with a repacked matrix would be computed by the plain kernels and
// be wrong. gm_repack_buffer_type registers it (once) and returns it.

#include <mutex>
#include <vector>

extern "C" {
#include "api.h"
}

// Declared here in our words: both have C++ linkage in GGML.
typedef struct ggml_backend_buffer_type *gm_buft;
gm_buft ggml_backend_cpu_repack_buffer_type(void);
std::vector<gm_buft> &ggml_backend_cpu_get_extra_buffer_types();

extern "C" struct ggml_backend_buffer_type *gm_repack_buffer_type(void) {
	static std::once_flag once;
	static gm_buft repack = nullptr;
	std::call_once(once, [] {
		repack = ggml_backend_cpu_repack_buffer_type();
		std::vector<gm_buft> &extra = ggml_backend_cpu_get_extra_buffer_types();
		for (gm_buft b : extra) {
			if (b == repack) {
				return;
			}
		}
		extra.push_back(repack);
	});
	return repack;
}
