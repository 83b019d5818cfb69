package mistral

import (
	"errors"
	"fmt"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
)

// Params are a model's hyper-parameters, read from its GGUF metadata and
// checked against its tensors (see arch.Params for the fields). In a loaded
// Model, Window is never zero: a model without a sliding window attends to
// its whole ContextLength, and WindowSource says WindowNone.
type Params = arch.Params

// WindowSource says where a model's attention window came from: the file,
// the caller's Config.SlidingWindow, recognition of Mistral 7B v0.1, or
// none (see arch.WindowSource).
type WindowSource = arch.WindowSource

// The sources of the window, as Params.WindowSource gives them.
const (
	WindowNone       = arch.WindowNone       // "none": full attention over ContextLength
	WindowFile       = arch.WindowFile       // "file": llama.attention.sliding_window
	WindowConfig     = arch.WindowConfig     // "config": Config.SlidingWindow
	WindowRecognised = arch.WindowRecognised // "recognised": Mistral 7B v0.1 without the key
)

// readParams reads the hyper-parameters from the metadata (the vocabulary
// from the rows of token_embd) and decides the window. Shapes are checked
// against the tensors later, in tensorSpecs.
func readParams(f *gguf.File, windowOverride int) (Params, error) {
	p, err := arch.ReadGGUF(f)
	if errors.Is(err, arch.ErrArchitecture) {
		return p, fmt.Errorf("%w: %w", ErrArchitecture, err)
	}
	if err != nil {
		return p, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	setWindow(&p, windowOverride)
	return p, nil
}

// setWindow decides the attention window. Precedence: the caller's
// Config.SlidingWindow, then the file's key, then recognition of Mistral 7B
// v0.1 (whose GGUF files in circulation lack the key), then none: the whole
// context.
func setWindow(p *Params, override int) {
	switch {
	case override > 0:
		p.Window, p.WindowSource = override, WindowConfig
	case p.WindowSource == WindowFile:
	case p.IsMistral7Bv01():
		p.Window, p.WindowSource = arch.Mistral7Bv01Window, WindowRecognised
	default:
		p.Window, p.WindowSource = p.ContextLength, WindowNone
	}
}
