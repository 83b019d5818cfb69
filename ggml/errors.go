package ggml

import "errors"

// ErrUnsupportedType reports a tensor type GGML cannot handle in the way
// asked (quantise to, convert from).
var ErrUnsupportedType = errors.New("unsupported tensor type")
