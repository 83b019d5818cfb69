//go:build cgo

package ggml

// #cgo CFLAGS: -std=c11
// #cgo CXXFLAGS: -std=c++17
// #include "api.h"
import "C"

import (
	// GGML's C sources: ggml-base and the CPU backend (and Metal on
	// darwin/arm64), compiled through cgo by the ollama module. Build with
	// CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native" or GGML
	// falls back to baseline x86-64 kernels.
	_ "github.com/ollama/ollama/ml/backend/ggml/ggml/src"
)

// status codes of enum ggml_status.
const (
	statusAllocFailed = -2
	statusFailed      = -1
	statusSuccess     = 0
	statusAborted     = 1
)

// precision of enum ggml_prec.
const precF32 = 10

// ropeModeNormal is GGML_ROPE_TYPE_NORMAL: rotate adjacent pairs (x[2i], x[2i+1]).
const ropeModeNormal = 0
