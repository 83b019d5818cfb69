package safetensors

// MaxIndexSize bounds a shard index (model.safetensors.index.json): a
// longer one is rejected before it is read. Mistral 7B's is 24 KB.
const MaxIndexSize = 16 << 20

// Limits bound what opening files may cost, for files from sources that
// are not trusted: a header or an index may name no more tensors, and be
// no longer, than the caller expects of the model. Each bound is checked
// before anything is allocated for what lies beyond it.
//
// The zero value applies the format's own bounds only (MaxHeaderSize,
// MaxIndexSize). A Limits is a plain value, safe for concurrent use.
type Limits struct {
	// MaxHeaderSize bounds the JSON header of each file. Zero means
	// MaxHeaderSize; a larger value is lowered to it.
	MaxHeaderSize int64
	// MaxTensors bounds the tensors of a set: of its index, and of its
	// files together. Zero means no bound.
	MaxTensors int
}

// headerSize returns the bound on a header.
func (l Limits) headerSize() int64 {
	if l.MaxHeaderSize <= 0 || l.MaxHeaderSize > MaxHeaderSize {
		return MaxHeaderSize
	}
	return l.MaxHeaderSize
}

// tooMany reports whether n tensors are beyond the bound.
func (l Limits) tooMany(n int) bool { return l.MaxTensors > 0 && n > l.MaxTensors }
