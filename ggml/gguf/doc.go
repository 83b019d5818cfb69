// Package gguf reads and writes GGUF files, the container of GGML models:
// a header of metadata (key-value pairs) and tensor infos, then the tensor
// data, each tensor aligned.
//
// Decode reads the header of a file of version 2 or 3 and validates it
// strictly, trusting nothing: every count and length is checked against the
// bytes that remain before anything is allocated for it, and every problem
// is a *FormatError that gives the offset of the offending field and, where
// it applies, wraps ErrBadMagic, ErrUnsupportedVersion, ErrTruncated or
// ErrUnknownType. Open maps a file into memory and decodes it; the tensor
// data is then read in place with Mapped.TensorData.
//
// A Writer streams a file of version 3: it validates and writes the header
// when it is made, then takes the tensor data tensor by tensor.
//
// Metadata values are immutable Values: scalars, strings and arrays,
// arrays possibly nested (up to MaxArrayDepth). The getters of File
// (Uint, Str, Strings, ...) return errors that name the key.
//
// Tensor shapes are in GGML order: Shape[0] is the length of a row, the
// dimension along which quantisation blocks run.
package gguf
