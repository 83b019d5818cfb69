package gguf

import (
	"cmp"
	"errors"
	"io"
	"slices"
)

// Layout facts of GGUF and limits of GGML.
const (
	magic            = "GGUF"
	defaultAlignment = 32
	alignmentKey     = "general.alignment"
	maxAlignment     = 1 << 31 // the largest power of two a uint32 holds
	maxDims          = 4       // GGML_MAX_DIMS
	maxNameLen       = 63      // GGML_MAX_NAME (64) less the terminating NUL
	maxKeyLen        = 1<<16 - 1

	// The fewest bytes a key-value pair and a tensor info take: non-empty
	// key or name, and the smallest value or a single dimension.
	minKVBytes     = 8 + 1 + 4 + 1
	minTensorBytes = 8 + 1 + 4 + 8 + 4 + 8

	// maxHint caps the room made in advance for the counted key-value pairs
	// and tensors: a file that claims many and fails early costs little.
	maxHint = 1024
)

// Decode reads and validates the header (metadata and tensor infos) of a
// GGUF file of version 2 or 3 that has the given size. It reads r front to
// back and does not read the tensor data.
//
// Decode trusts nothing in the file: it checks every count and length
// against the bytes that remain before allocating anything for it, and
// checks that every tensor's data lies inside the file, aligned and apart
// from the others. Every problem with the file is reported as a
// *FormatError; errors of r are returned wrapped.
//
// Metadata keys and tensor names must be valid UTF-8; string values may
// hold any bytes, which are kept as they are.
func Decode(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, errors.New("gguf: negative file size")
	}
	return newSource(r, size).file()
}

// decodeBytes is Decode of a file that is in memory.
func decodeBytes(data []byte) (*File, error) { return newByteSource(data).file() }

// tensorPos keeps what the final checks of a tensor need.
type tensorPos struct {
	index   int    // in File.Tensors
	offset  uint64 // as read
	bytes   int64  // size of the data
	infoOff int64  // where the offset field is in the file
}

func (s *source) file() (*File, error) {
	f := &File{Size: s.size, Alignment: defaultAlignment}
	nTensors, nKV, err := s.header(f)
	if err != nil {
		return nil, err
	}
	alignOff, err := s.kvs(f, nKV)
	if err != nil {
		return nil, err
	}
	if v, ok := f.Lookup(alignmentKey); ok {
		if reason := checkAlignment(v); reason != "" {
			if v.typ == ValueUint32 {
				alignOff += 4 // the value is wrong, not its type
			}
			return nil, formatErr(alignOff, nil, "%s", reason)
		}
		f.Alignment = int64(v.num)
	}
	pos, err := s.tensorInfos(f, nTensors)
	if err != nil {
		return nil, err
	}
	end := s.off
	f.DataOffset = alignUp(end, f.Alignment)
	if f.DataOffset > s.size {
		return nil, formatErr(end, ErrTruncated, "the file ends before the data section at offset %d", f.DataOffset)
	}
	if err := checkData(f, pos); err != nil {
		return nil, err
	}
	return f, nil
}

// header reads the magic, version and counts.
func (s *source) header(f *File) (nTensors, nKV uint64, err error) {
	b, err := s.next(4, "magic")
	if err != nil {
		return 0, 0, err
	}
	if string(b) != magic {
		return 0, 0, formatErr(0, ErrBadMagic, "magic %q is not %q", b, magic)
	}
	if f.Version, err = s.u32("version"); err != nil {
		return 0, 0, err
	}
	switch v := f.Version; {
	case v == 2 || v == 3:
	case v == 1:
		return 0, 0, formatErr(4, ErrUnsupportedVersion, "version 1 is not supported (only 2 and 3)")
	case v != 0 && v&0xFFFF == 0:
		return 0, 0, formatErr(4, ErrUnsupportedVersion, "version %#08x: a big-endian file? only little-endian GGUF is supported", v)
	default:
		return 0, 0, formatErr(4, ErrUnsupportedVersion, "version %d is not supported (only 2 and 3)", v)
	}
	if nTensors, err = s.u64("tensor count"); err != nil {
		return 0, 0, err
	}
	if nKV, err = s.u64("key-value count"); err != nil {
		return 0, 0, err
	}
	// Both counts must fit in what is left after them.
	left := uint64(s.remaining())
	if nTensors > left/minTensorBytes {
		return 0, 0, formatErr(8, ErrTruncated, "%d tensors cannot fit in the %d bytes left in the file", nTensors, left)
	}
	if nKV > (left-nTensors*minTensorBytes)/minKVBytes {
		return 0, 0, formatErr(16, ErrTruncated, "%d key-value pairs (and %d tensors) cannot fit in the %d bytes left in the file", nKV, nTensors, left)
	}
	return nTensors, nKV, nil
}

// kvs reads the key-value pairs; it returns the offset of the type field of
// general.alignment, if present.
func (s *source) kvs(f *File, n uint64) (alignOff int64, err error) {
	f.KV = make([]KV, 0, min(n, maxHint))
	seen := make(map[string]struct{}, min(n, maxHint))
	for range n {
		keyOff := s.off
		key, err := s.str("key")
		if err != nil {
			return 0, err
		}
		if reason := checkKey(key); reason != "" {
			return 0, formatErr(keyOff, nil, "%s", reason)
		}
		if _, dup := seen[key]; dup {
			return 0, formatErr(keyOff, nil, "duplicate key %q", short(key))
		}
		seen[key] = struct{}{}
		typeOff := s.off
		t, err := s.u32("value type")
		if err != nil {
			return 0, err
		}
		v, err := s.value(ValueType(t), typeOff, 1)
		if err != nil {
			return 0, err
		}
		if key == alignmentKey {
			alignOff = typeOff
		}
		f.KV = append(f.KV, KV{Key: key, Value: v})
	}
	return alignOff, nil
}

// tensorInfos reads the tensor infos.
func (s *source) tensorInfos(f *File, n uint64) ([]tensorPos, error) {
	f.Tensors = make([]TensorInfo, 0, min(n, maxHint))
	pos := make([]tensorPos, 0, min(n, maxHint))
	seen := make(map[string]struct{}, min(n, maxHint))
	for i := range int(n) {
		nameOff := s.off
		name, err := s.str("tensor name")
		if err != nil {
			return nil, err
		}
		if reason := checkName(name); reason != "" {
			return nil, formatErr(nameOff, nil, "%s", reason)
		}
		if _, dup := seen[name]; dup {
			return nil, formatErr(nameOff, nil, "duplicate tensor name %q", name)
		}
		seen[name] = struct{}{}
		shape, rowOff, err := s.shape(name)
		if err != nil {
			return nil, err
		}
		typeOff := s.off
		t, err := s.u32("tensor type")
		if err != nil {
			return nil, err
		}
		typ := Type(t)
		if !typ.Known() {
			return nil, formatErr(typeOff, ErrUnknownType, "tensor %q has unknown type %d", name, t)
		}
		if shape[0]%int64(typ.BlockSize()) != 0 {
			return nil, formatErr(rowOff, nil, "tensor %q: row length %d is not a multiple of the block size %d of type %v", name, shape[0], typ.BlockSize(), typ)
		}
		nbytes, reason := tensorBytes(typ, shape)
		if reason != "" {
			return nil, formatErr(typeOff, nil, "tensor %q: %s", name, reason)
		}
		offOff := s.off
		o, err := s.u64("tensor offset")
		if err != nil {
			return nil, err
		}
		if o%uint64(f.Alignment) != 0 {
			return nil, formatErr(offOff, nil, "tensor %q: offset %d is not a multiple of the alignment %d", name, o, f.Alignment)
		}
		f.Tensors = append(f.Tensors, TensorInfo{Name: name, Type: typ, Shape: shape})
		pos = append(pos, tensorPos{index: i, offset: o, bytes: nbytes, infoOff: offOff})
	}
	return pos, nil
}

// shape reads a tensor's dimension count and dimensions; it returns the
// offset of the first dimension too.
func (s *source) shape(name string) ([]int64, int64, error) {
	nOff := s.off
	n, err := s.u32("dimension count")
	if err != nil {
		return nil, 0, err
	}
	if n < 1 || n > maxDims {
		return nil, 0, formatErr(nOff, nil, "tensor %q has %d dimensions, want 1 to %d", name, n, maxDims)
	}
	shape := make([]int64, n)
	elems := int64(1)
	for j := range shape {
		dOff := s.off
		d, err := s.u64("dimension")
		if err != nil {
			return nil, 0, err
		}
		shape[j] = int64(d)
		if shape[j] < 1 {
			return nil, 0, formatErr(dOff, nil, "tensor %q: dimension %d is %d, want at least 1", name, j, shape[j])
		}
		if elems > (1<<63-1)/shape[j] {
			return nil, 0, formatErr(dOff, nil, "tensor %q: element count overflows int64", name)
		}
		elems *= shape[j]
	}
	return shape, nOff + 4, nil
}

// checkData checks that the tensors' data lies in the file without overlap,
// and sets their offsets.
func checkData(f *File, pos []tensorPos) error {
	avail := uint64(f.Size - f.DataOffset)
	for _, p := range pos {
		ti := &f.Tensors[p.index]
		if p.offset > avail || uint64(p.bytes) > avail-p.offset {
			return formatErr(p.infoOff, ErrTruncated, "tensor %q: data at offset %d of %d bytes extends past the end of the file (the data section holds %d bytes)", ti.Name, p.offset, p.bytes, avail)
		}
		ti.Offset = int64(p.offset)
	}
	slices.SortFunc(pos, func(a, b tensorPos) int {
		return cmp.Or(cmp.Compare(a.offset, b.offset), cmp.Compare(a.index, b.index))
	})
	for i := 1; i < len(pos); i++ {
		prev, cur := pos[i-1], pos[i]
		if prev.offset+uint64(prev.bytes) > cur.offset {
			return formatErr(cur.infoOff, nil, "tensor %q: data overlaps the data of tensor %q", f.Tensors[cur.index].Name, f.Tensors[prev.index].Name)
		}
	}
	return nil
}

// alignUp rounds n up to a multiple of align, a power of two; n must not
// come within align of overflowing.
func alignUp(n, align int64) int64 { return (n + align - 1) &^ (align - 1) }
