//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"log/slog"
	"runtime"
	"sync"

	"golang.org/x/sys/cpu"
)

// BuildFeatures reports the SIMD instruction sets GGML's CPU kernels were
// compiled for (not what the running CPU has).
type BuildFeatures struct {
	AVX, AVX2, FMA, F16C, AVX512, NEON bool
}

// Built returns the instruction sets GGML was compiled for.
func Built() BuildFeatures {
	return BuildFeatures{
		AVX:    C.ggml_cpu_has_avx() != 0,
		AVX2:   C.ggml_cpu_has_avx2() != 0,
		FMA:    C.ggml_cpu_has_fma() != 0,
		F16C:   C.ggml_cpu_has_f16c() != 0,
		AVX512: C.ggml_cpu_has_avx512() != 0,
		NEON:   C.ggml_cpu_has_neon() != 0,
	}
}

// Logger receives the package's diagnostics; nil means slog.Default().
var Logger *slog.Logger

func logger() *slog.Logger {
	if Logger != nil {
		return Logger
	}
	return slog.Default()
}

// warnBuildOnce logs once per process when the CPU has AVX2 but GGML was
// compiled without it: a baseline build runs 3 to 8 times slower.
var warnBuildOnce = sync.OnceFunc(func() {
	if runtime.GOARCH != "amd64" {
		return
	}
	if cpu.X86.HasAVX2 && !Built().AVX2 {
		logger().Warn("ggml: this CPU has AVX2 but GGML was compiled without it; inference will be several times slower. " +
			`Rebuild with CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native".`)
	}
})
