//go:build !cgo

package ggml

// This file makes a build without cgo fail with a message that says why:
// package ggml calls GGML's C library and needs cgo (CGO_ENABLED=1 and a C
// compiler).
var _ = ggml_requires_cgo_set_CGO_ENABLED_1_and_install_a_C_compiler
