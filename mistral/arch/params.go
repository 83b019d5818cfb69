package arch

import (
	"fmt"
	"slices"
)

// Params are the hyper-parameters of a Mistral model. Loading reads them
// from a GGUF file (ReadGGUF), conversion from a config.json or params.json
// (Decode); writing a GGUF file turns them into metadata (KV). The zero
// value describes no model; Validate says whether p does.
//
// A Params is a plain value, safe to copy and to read from any goroutine.
type Params struct {
	// Architecture is general.architecture: "llama" (what converters write
	// for Mistral 7B) or "mistral". Empty means "llama" when writing.
	Architecture string
	// Name is general.name; it may be empty.
	Name string

	Vocab         int     // vocabulary size: rows of token_embd (and of output)
	Dim           int     // width of the residual stream
	Layers        int     // transformer blocks
	Heads         int     // query heads
	KVHeads       int     // key/value heads (grouped-query attention)
	HeadDim       int     // width of one head
	FFN           int     // hidden width of the feed-forward block
	RopeDims      int     // leading dimensions of each head that RoPE rotates
	RopeBase      float64 // RoPE frequency base (theta)
	NormEps       float64 // RMSNorm epsilon
	ContextLength int     // context length the model was trained for, in tokens

	// Window is the attention window W: the token at position i attends to
	// positions i-W < j <= i. Zero means none (full attention) in what
	// Decode and ReadGGUF return; a loaded mistral.Model sets it to
	// ContextLength then, the size of its KV cache.
	Window int
	// WindowSource says where Window came from.
	WindowSource WindowSource

	// TiedEmbeddings is true when the model has no output matrix of its
	// own: token_embd serves as the output head.
	TiedEmbeddings bool
}

// KVDim returns the width of one position's keys (or values) in one layer.
func (p Params) KVDim() int { return p.KVHeads * p.HeadDim }

// QDim returns the width of one position's queries in one layer.
func (p Params) QDim() int { return p.Heads * p.HeadDim }

// Group returns how many query heads share each key and value head.
func (p Params) Group() int { return p.Heads / p.KVHeads }

// IsMistral7Bv01 recognises Mistral 7B v0.1 and Instruct v0.1 by shape: its
// width, depth, heads and vocabulary, and the RoPE base of 10,000 that v0.2
// and later (which dropped the sliding window) raised to 1,000,000. Its
// GGUF files in circulation lack the sliding_window key although the model
// attends to a window of Mistral7Bv01Window tokens.
func (p Params) IsMistral7Bv01() bool {
	return p.Dim == 4096 && p.Layers == 32 && p.Heads == 32 && p.KVHeads == 8 &&
		p.FFN == 14336 && p.RopeBase == 10000 && p.Vocab == 32000
}

// Mistral7Bv01Window is the attention window of Mistral 7B v0.1.
const Mistral7Bv01Window = 4096

// architecture returns the GGUF architecture name the keys are written under.
func (p Params) architecture() string {
	if p.Architecture == "" {
		return DefaultArchitecture
	}
	return p.Architecture
}

// DefaultArchitecture is the GGUF architecture written for Mistral models:
// "llama", what converters write for Mistral 7B. "mistral" is read too.
const DefaultArchitecture = "llama"

// architectures are the values of general.architecture read as Mistral.
var architectures = []string{"llama", "mistral"}

// IsArchitecture reports whether a GGUF file's general.architecture is
// one of Mistral's: "llama" or "mistral".
func IsArchitecture(name string) bool { return slices.Contains(architectures, name) }

// WindowSource says where a model's attention window came from. The zero
// value is WindowNone.
type WindowSource int

const (
	// WindowNone: the model has no window; it attends to its whole context.
	WindowNone WindowSource = iota
	// WindowFile: the model's own files give it
	// (llama.attention.sliding_window, config.json's sliding_window).
	WindowFile
	// WindowConfig: the caller set it (mistral.Config.SlidingWindow).
	WindowConfig
	// WindowRecognised: a Mistral 7B v0.1 file without the key, recognised
	// by its shape (Params.IsMistral7Bv01).
	WindowRecognised
)

var windowSourceNames = []string{WindowNone: "none", WindowFile: "file", WindowConfig: "config", WindowRecognised: "recognised"}

// String returns the source's name: none, file, config or recognised.
func (w WindowSource) String() string {
	if w >= 0 && int(w) < len(windowSourceNames) {
		return windowSourceNames[w]
	}
	return fmt.Sprintf("WindowSource(%d)", int(w))
}

// MarshalText returns the source's name.
func (w WindowSource) MarshalText() ([]byte, error) {
	if w < 0 || int(w) >= len(windowSourceNames) {
		return nil, fmt.Errorf("arch: invalid WindowSource %d", int(w))
	}
	return []byte(w.String()), nil
}

// UnmarshalText sets the source from its name (none, file, config or
// recognised), so that it reads back from JSON or a flag.
func (w *WindowSource) UnmarshalText(text []byte) error {
	for i, name := range windowSourceNames {
		if string(text) == name {
			*w = WindowSource(i)
			return nil
		}
	}
	return fmt.Errorf("arch: window source %q: want none, file, config or recognised", text)
}
