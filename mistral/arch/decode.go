package arch

import (
	"errors"
	"fmt"
)

// ErrArchitecture is wrapped by the *ParamError of a GGUF file whose
// general.architecture is not one of Mistral's ("llama", "mistral").
var ErrArchitecture = errors.New("not a Mistral architecture")

// ParamError reports a hyper-parameter that is missing, of the wrong kind,
// or whose value cannot be right. Its message is "NAME: REASON", without a
// package prefix: the caller says where it read the file.
type ParamError struct {
	Name   string // the key or field as the file names it: "llama.block_count", "num_hidden_layers"
	Reason string // what is wrong, in words
	Err    error  // ErrArchitecture, or nil

	param *HyperParam // the parameter to blame, when Name is still to be set
}

// Error returns "NAME: REASON".
func (e *ParamError) Error() string { return e.Name + ": " + e.Reason }

// Unwrap returns Err.
func (e *ParamError) Unwrap() error { return e.Err }

// Source gives the hyper-parameters of one file by their names in its
// format. Decode calls it once per name the format has, in table order.
type Source interface {
	// Int returns the integer called name, and false when the file does
	// not give it (absent, or JSON's null). A value that is not an integer
	// is an error, returned by Decode as it is.
	Int(name string) (v int64, ok bool, err error)
	// Float returns the number called name, and false when the file does
	// not give it.
	Float(name string) (v float64, ok bool, err error)
}

// Decode reads the hyper-parameters of p from src, a file of format f, in
// the order of the table: what the file gives, checked against the bounds
// and against the parameters before it; the format's default for what it
// does not give; an error for what it must give and does not. GGUF names
// are prefixed with p.Architecture ("llama" when empty). Decode sets every
// field but Architecture, Name and TiedEmbeddings, which the caller sets
// from elsewhere in the file (for GGUF, it may also preset Vocab: see
// ReadGGUF); WindowSource becomes WindowFile when the file gives a window.
//
// It returns the names of the fields that took their format's default.
// Errors are *ParamError, or those of src.
func Decode(f Format, src Source, p *Params) (defaulted []string, err error) {
	for _, h := range hyperParams {
		fd := h.fields[f]
		name := nameIn(f, fd.Name, p)
		given := false
		if name != "" {
			if given, err = h.read(src, name, p); err != nil {
				return defaulted, err
			}
		}
		if !given {
			if fd.Required {
				return defaulted, &ParamError{Name: name, Reason: "missing"}
			}
			if perr := h.setDefault(p, fd); perr != nil {
				perr.Name = nameIn(f, perr.param.fields[f].Name, p)
				return defaulted, perr
			}
			if name != "" {
				defaulted = append(defaulted, name)
			}
		}
		if reason := h.validate(p, given); reason != "" {
			if name == "" { // a parameter the format does not carry
				name = nameIn(FormatGGUF, h.fields[FormatGGUF].Name, p)
			}
			return defaulted, &ParamError{Name: name, Reason: reason}
		}
	}
	if p.Window > 0 {
		p.WindowSource = WindowFile
	}
	return defaulted, nil
}

// nameIn returns the name of a field in format f as the file spells it:
// GGUF keys take the architecture as prefix.
func nameIn(f Format, name string, p *Params) string {
	if f == FormatGGUF && name != "" {
		return p.architecture() + "." + name
	}
	return name
}

// read sets the parameter from src, and reports whether src gave it.
func (h *HyperParam) read(src Source, name string, p *Params) (bool, error) {
	if h.floats != nil {
		v, ok, err := src.Float(name)
		if ok && err == nil {
			*h.floats(p) = v
		}
		return ok, err
	}
	v, ok, err := src.Int(name)
	if !ok || err != nil {
		return false, err
	}
	if int64(int(v)) != v {
		return false, &ParamError{Name: name, Reason: fmt.Sprintf("%d is too large", v)}
	}
	dst := h.ints(p)
	if h.agree && int(v) != *dst {
		return false, &ParamError{Name: name, Reason: fmt.Sprintf("%d differs from the key width %d (not supported)", v, *dst)}
	}
	*dst = int(v)
	return true, nil
}

// setDefault gives an absent parameter its default in the format of f.
func (h *HyperParam) setDefault(p *Params, f field) *ParamError {
	v := f.Default
	if v == 0 {
		if h.def == nil {
			return nil
		}
		var err *ParamError
		if v, err = h.def(p); err != nil {
			return err
		}
	}
	if h.floats != nil {
		*h.floats(p) = v
	} else {
		*h.ints(p) = int(v)
	}
	return nil
}

// validate returns why the parameter's value in p cannot be right, or "".
// given is false for a default.
func (h *HyperParam) validate(p *Params, given bool) string {
	if h.ints != nil && h.max != nil {
		v := *h.ints(p)
		if !(h.none && v == 0 && !given) {
			if v < 1 {
				return fmt.Sprintf("%d is not positive", v)
			}
			if hi := h.max(p); v > hi {
				return fmt.Sprintf("%d is too large (at most %d)", v, hi)
			}
		}
	}
	if h.check != nil {
		return h.check(p)
	}
	return ""
}

// Validate checks p as Decode checks what it reads: every count within its
// bounds, heads that divide, an even head width, a norm epsilon between 0
// and 1, a RoPE base above 1. A zero Window means none. Errors are
// *ParamError naming the GGUF key.
func (p Params) Validate() error {
	for _, h := range hyperParams {
		if h.agree {
			continue
		}
		if reason := h.validate(&p, false); reason != "" {
			return &ParamError{Name: nameIn(FormatGGUF, h.fields[FormatGGUF].Name, &p), Reason: reason}
		}
	}
	return nil
}
