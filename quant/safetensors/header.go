package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/bits"
	"sort"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize bounds the JSON header: a longer header is rejected before
// anything is allocated for it.
const MaxHeaderSize = 100 << 20

// prefixSize is the size of the little-endian header length that opens a file.
const prefixSize = 8

// metadataKey is the header entry that holds free-form string metadata.
const metadataKey = "__metadata__"

// TensorInfo describes one tensor of a file, as its header gives it.
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int64 // row-major, outermost dimension first, as in PyTorch
	// Begin and End delimit the tensor's bytes, relative to the start of the
	// data section (which follows the header).
	Begin, End int64
}

// NumElements returns the product of the shape (1 for a scalar).
func (t TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Size returns the size of the tensor's data in bytes.
func (t TensorInfo) Size() int64 { return t.End - t.Begin }

// Header is the parsed and validated header of a safetensors file.
type Header struct {
	Tensors    []TensorInfo      // in the order of the header
	Metadata   map[string]string // the "__metadata__" entry; nil when absent
	DataOffset int64             // file offset of the data section (8 + header length)
	DataSize   int64             // size of the data section in bytes
}

// ReadHeader reads and validates the header of the safetensors file r of
// size bytes. Every tensor is checked against the data section: its dtype is
// known, its shape matches its byte range, and the ranges tile the data
// section exactly, without gaps or overlaps. A problem is a *FormatError.
func ReadHeader(r io.ReaderAt, size int64) (*Header, error) { return Limits{}.ReadHeader(r, size) }

// ReadHeader is the package's ReadHeader within l: the header may be no
// longer than l.MaxHeaderSize and name no more than l.MaxTensors tensors.
func (l Limits) ReadHeader(r io.ReaderAt, size int64) (*Header, error) {
	if size < prefixSize {
		return nil, errorf(0, "", "file is %d bytes, shorter than the %d-byte header length", size, prefixSize)
	}
	var prefix [prefixSize]byte
	if _, err := r.ReadAt(prefix[:], 0); err != nil {
		return nil, &FormatError{Offset: 0, Reason: "reading header length", Err: err}
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if limit := l.headerSize(); n > uint64(limit) {
		return nil, errorf(0, "", "header length %d exceeds the limit of %d bytes", n, limit)
	}
	if n > uint64(size-prefixSize) {
		return nil, errorf(0, "", "header length %d exceeds the %d bytes that follow it (truncated file?)", n, size-prefixSize)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, prefixSize); err != nil {
		return nil, &FormatError{Offset: prefixSize, Reason: "reading header", Err: err}
	}
	return l.ParseHeader(buf, size-prefixSize-int64(n))
}

// ParseHeader parses and validates the JSON header b of a file whose data
// section is dataSize bytes long. Offsets in errors are file offsets, as if b
// were preceded by the 8-byte header length.
func ParseHeader(b []byte, dataSize int64) (*Header, error) { return Limits{}.ParseHeader(b, dataSize) }

// ParseHeader is the package's ParseHeader within l: b may name no more
// than l.MaxTensors tensors (its length is the caller's to bound).
func (l Limits) ParseHeader(b []byte, dataSize int64) (*Header, error) {
	if dataSize < 0 {
		return nil, errorf(-1, "", "negative data size %d", dataSize)
	}
	if !utf8.Valid(b) {
		return nil, errorf(prefixSize, "", "header is not valid UTF-8")
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, errorf(prefixSize, "", "header does not start with '{'")
	}
	h := &Header{DataOffset: prefixSize + int64(len(b)), DataSize: dataSize}
	seen := make(map[string]bool)
	err := parseObject(b, func(key string, off int64, value json.RawMessage) error {
		off += prefixSize
		if seen[key] {
			return errorf(off, "", "duplicate entry %q", key)
		}
		seen[key] = true
		if key == metadataKey {
			md, err := parseMetadata(value)
			if err != nil {
				err.Offset = off
			}
			h.Metadata = md
			return errOrNil(err)
		}
		if l.tooMany(len(h.Tensors) + 1) {
			return errorf(off, "", "more than %d tensors, the most expected", l.MaxTensors)
		}
		t, err := parseTensor(key, value)
		if err != nil {
			err.Offset = off
			return err
		}
		h.Tensors = append(h.Tensors, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := checkLayout(h); err != nil {
		return nil, err
	}
	return h, nil
}

// errOrNil turns a nil *FormatError into a nil error.
func errOrNil(err *FormatError) error {
	if err == nil {
		return nil
	}
	return err
}

// parseObject walks the JSON object b, calling fn for each member with the
// key, the offset of the key in b and the raw value, in order. Duplicates are
// left to fn. Anything after the object other than white space is an error.
func parseObject(b []byte, fn func(key string, off int64, value json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &FormatError{Offset: prefixSize + se.Offset, Reason: "invalid JSON", Err: err}
		}
		return &FormatError{Offset: prefixSize + dec.InputOffset(), Reason: "invalid JSON", Err: err}
	}
	if tok, err := dec.Token(); err != nil {
		return syntax(err)
	} else if tok != json.Delim('{') {
		return errorf(prefixSize, "", "header is not a JSON object")
	}
	for dec.More() {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		key, _ := tok.(string) // the decoder guarantees a string key here
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return syntax(err)
		}
		if err := fn(key, off, value); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return syntax(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errorf(prefixSize+dec.InputOffset(), "", "trailing data after the header object")
		}
		return syntax(err)
	}
	return nil
}

// parseMetadata decodes the "__metadata__" entry: an object of strings.
func parseMetadata(value json.RawMessage) (map[string]string, *FormatError) {
	if len(value) == 0 || value[0] != '{' {
		return nil, errorf(-1, "", "%s is not an object", metadataKey)
	}
	md := make(map[string]string)
	var bad *FormatError
	err := parseObject(value, func(key string, _ int64, v json.RawMessage) error {
		if _, dup := md[key]; dup {
			bad = errorf(-1, "", "duplicate metadata key %q", key)
			return bad
		}
		var s string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			bad = errorf(-1, "", "metadata %q is not a string", key)
			return bad
		}
		md[key] = s
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	if err != nil { // cannot happen: value was decoded as valid JSON already
		return nil, errorf(-1, "", "%s is not valid JSON", metadataKey)
	}
	return md, nil
}

// parseTensor decodes one tensor entry and checks it on its own: known dtype,
// non-negative shape, and a byte range whose length matches the shape.
func parseTensor(name string, value json.RawMessage) (TensorInfo, *FormatError) {
	t := TensorInfo{Name: name}
	if name == "" {
		return t, errorf(-1, "", "tensor with an empty name")
	}
	var fields map[string]json.RawMessage
	if len(value) == 0 || value[0] != '{' || json.Unmarshal(value, &fields) != nil {
		return t, errorf(-1, name, "entry is not an object")
	}
	for k := range fields {
		if k != "dtype" && k != "shape" && k != "data_offsets" {
			return t, errorf(-1, name, "unknown field %q", k)
		}
	}
	for _, k := range []string{"dtype", "shape", "data_offsets"} {
		if _, ok := fields[k]; !ok {
			return t, errorf(-1, name, "missing field %q", k)
		}
	}
	var dt string
	if raw := fields["dtype"]; len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &dt) != nil {
		return t, errorf(-1, name, "dtype is not a string")
	}
	t.DType = DType(dt)
	if !t.DType.Known() {
		return t, errorf(-1, name, "unknown dtype %q", dt)
	}
	shape, err := parseInts(fields["shape"])
	if err != "" {
		return t, errorf(-1, name, "shape: %s", err)
	}
	t.Shape = shape
	offsets, err := parseInts(fields["data_offsets"])
	if err != "" {
		return t, errorf(-1, name, "data_offsets: %s", err)
	}
	if len(offsets) != 2 {
		return t, errorf(-1, name, "data_offsets has %d values, want 2", len(offsets))
	}
	t.Begin, t.End = offsets[0], offsets[1]
	if t.Begin > t.End {
		return t, errorf(-1, name, "data_offsets [%d, %d] end before they begin", t.Begin, t.End)
	}
	want, ok := byteSize(t.Shape, t.DType.Size())
	if !ok {
		return t, errorf(-1, name, "shape %v of %s overflows", t.Shape, t.DType)
	}
	if want != uint64(t.End-t.Begin) {
		return t, errorf(-1, name, "shape %v of %s needs %d bytes, data_offsets [%d, %d] hold %d",
			t.Shape, t.DType, want, t.Begin, t.End, t.End-t.Begin)
	}
	return t, nil
}

// parseInts decodes a JSON array of integers in [0, math.MaxInt64]. It
// returns a description of the problem, or "" when there is none.
func parseInts(raw json.RawMessage) ([]int64, string) {
	var items []json.RawMessage
	if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, "not an array"
	}
	out := make([]int64, len(items))
	for i, it := range items {
		v, err := strconv.ParseUint(string(it), 10, 64)
		if err != nil || v > math.MaxInt64 {
			return nil, "value " + strconv.Quote(string(it)) + " at index " + strconv.Itoa(i) + " is not a non-negative 64-bit integer"
		}
		out[i] = int64(v)
	}
	return out, ""
}

// byteSize returns the product of shape and elemSize, and false on overflow
// of int64.
func byteSize(shape []int64, elemSize int) (uint64, bool) {
	n := uint64(elemSize)
	for _, d := range shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// checkLayout checks that the tensors' byte ranges lie inside the data
// section and tile it exactly: sorted by start, each begins where the last
// ended, the first at 0 and the last at the end of the data section.
func checkLayout(h *Header) error {
	order := make([]int, len(h.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ta, tb := h.Tensors[order[a]], h.Tensors[order[b]]
		if ta.Begin != tb.Begin {
			return ta.Begin < tb.Begin
		}
		return ta.End < tb.End
	})
	var next int64
	var prev *TensorInfo
	for _, i := range order {
		t := h.Tensors[i]
		off := h.DataOffset + t.Begin
		switch {
		case t.End > h.DataSize:
			return errorf(h.DataOffset, t.Name, "data_offsets [%d, %d] run past the %d-byte data section (truncated file?)", t.Begin, t.End, h.DataSize)
		case t.Begin > next:
			return errorf(h.DataOffset+next, t.Name, "gap of %d bytes in the data section before the tensor's data_offsets [%d, %d]", t.Begin-next, t.Begin, t.End)
		case t.Begin < next:
			return errorf(off, t.Name, "data_offsets [%d, %d] overlap those of %q, [%d, %d]", t.Begin, t.End, prev.Name, prev.Begin, prev.End)
		}
		next, prev = t.End, &h.Tensors[i]
	}
	if next != h.DataSize {
		return errorf(h.DataOffset+next, "", "%d bytes in the data section after the last tensor", h.DataSize-next)
	}
	return nil
}
