package mistral

import "errors"

// Errors callers branch on. Errors returned by this package wrap them where
// they apply, so errors.Is works.
var (
	// ErrNotGGUF: the file is not a GGUF file (or is damaged beyond reading).
	ErrNotGGUF = errors.New("not a GGUF file")
	// ErrArchitecture: the file is GGUF but not a model this package runs.
	ErrArchitecture = errors.New("unsupported architecture")
	// ErrUnsupportedType: a weight is of a type GGML cannot compute with here.
	ErrUnsupportedType = errors.New("unsupported tensor type")
	// ErrBadModel: the file's hyper-parameters or tensors cannot be right.
	ErrBadModel = errors.New("malformed model")
	// ErrFileChanged: the file was modified while it was being loaded.
	ErrFileChanged = errors.New("model file changed while loading")
	// ErrContextFull: a model without a sliding window has no room for more
	// tokens in its context.
	ErrContextFull = errors.New("context full")
	// ErrClosed: the Model or Session was closed.
	ErrClosed = errors.New("closed")
)
