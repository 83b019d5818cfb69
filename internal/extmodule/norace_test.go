//go:build !race

package extmodule

// buildFlags are the flags the consumer module is built with: the same as
// this test's, so that the compiled GGML in the build cache is reused.
var buildFlags []string
