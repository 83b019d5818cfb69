package quant

import (
	"errors"
	"fmt"
)

var (
	// ErrNotMistral is wrapped by a *ConfigError whose source describes a
	// model other than Mistral (another model_type or architecture, a mixture
	// of experts, ...).
	ErrNotMistral = errors.New("not a Mistral model")

	// ErrUnsupported is wrapped by errors about a well-formed input this
	// package cannot convert: a tensor type other than F32, F16 or BF16, RoPE
	// scaling, an output type other than F32, F16 or BF16, ...
	ErrUnsupported = errors.New("unsupported")
)

// ConfigError reports a model configuration (config.json or params.json)
// that is missing, malformed, or does not describe a Mistral model this
// package can convert.
type ConfigError struct {
	File   string // path of the configuration file
	Field  string // the field concerned, empty when none
	Reason string // what is wrong, in words
	Err    error  // ErrNotMistral, ErrUnsupported, a JSON error, or nil
}

// Error formats the error as "quant: FILE: FIELD: REASON".
func (e *ConfigError) Error() string {
	msg := "quant: " + e.File + ": "
	if e.Field != "" {
		msg += e.Field + ": "
	}
	msg += e.Reason
	if e.Err != nil && !errors.Is(e.Err, ErrNotMistral) && !errors.Is(e.Err, ErrUnsupported) {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// TensorError reports a source tensor that does not fit the model: missing,
// unexpected, of the wrong shape or of an unsupported type.
type TensorError struct {
	Name   string // the tensor's name in the source files
	Reason string
	Err    error // ErrUnsupported, or nil
}

// Error formats the error as "quant: tensor NAME: REASON".
func (e *TensorError) Error() string { return fmt.Sprintf("quant: tensor %q: %s", e.Name, e.Reason) }

// Unwrap returns the underlying error, if any.
func (e *TensorError) Unwrap() error { return e.Err }
