package gguf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
)

// WriterOptions configures a Writer.
type WriterOptions struct {
	// Alignment of the data section and of every tensor's data: a power of
	// two up to 2^31. Zero means the value of general.alignment in the
	// metadata, or 32 (GGUF's default) if the metadata lacks it.
	//
	// A non-zero Alignment must agree with general.alignment when the
	// metadata has it; when the metadata lacks it and Alignment is not 32,
	// the Writer appends general.alignment (uint32) to the metadata it
	// writes, so that readers find the alignment.
	Alignment int64
}

// Writer streams a GGUF file of version 3: the header when it is made, then
// the tensor data, tensor by tensor in the order of the tensor infos, each
// padded to the alignment (the last one too, as GGML does).
//
// A Writer is for one goroutine at a time. Its write errors are sticky: once
// writing to the underlying io.Writer fails, every later call returns that
// error.
type Writer struct {
	w        *countWriter
	tensors  []TensorInfo // with their computed offsets
	bytes    []int64      // data size of each tensor
	align    int64
	next     int   // index of the next tensor to write
	err      error // sticky write error
	closed   bool
	closeErr error
}

// NewWriter validates the metadata and tensor infos, computes each tensor's
// Offset (the Offsets given are ignored: tensors are laid out in order, each
// at the next multiple of the alignment), and writes the header to w through
// a buffer.
//
// It fails if a key is empty, longer than 65535 bytes, not valid UTF-8 or
// repeated, if general.alignment is not a uint32 power of two, or if a
// tensor has an empty, too long (over 63 bytes), invalid UTF-8 or repeated
// name, an unknown type, other than 1 to 4 dimensions, a dimension below 1,
// a row length that is not a multiple of its type's block size, or a size
// that overflows int64.
func NewWriter(w io.Writer, kv []KV, tensors []TensorInfo, opts WriterOptions) (*Writer, error) {
	kv, align, err := writerMetadata(kv, opts.Alignment)
	if err != nil {
		return nil, err
	}
	wr := &Writer{w: &countWriter{w: w}, align: align}
	if err := wr.layout(tensors); err != nil {
		return nil, err
	}
	if err := wr.header(kv); err != nil {
		wr.err = fmt.Errorf("gguf: write header: %w", err)
		return nil, wr.err
	}
	return wr, nil
}

// writerMetadata validates kv and settles the alignment, returning the
// metadata to write.
func writerMetadata(kv []KV, align int64) ([]KV, int64, error) {
	seen := make(map[string]struct{}, len(kv))
	var fromKV int64
	for _, p := range kv {
		if reason := checkKey(p.Key); reason != "" {
			return nil, 0, errors.New("gguf: writer: " + reason)
		}
		if _, dup := seen[p.Key]; dup {
			return nil, 0, fmt.Errorf("gguf: writer: duplicate key %q", short(p.Key))
		}
		seen[p.Key] = struct{}{}
		if p.Key == alignmentKey {
			if reason := checkAlignment(p.Value); reason != "" {
				return nil, 0, errors.New("gguf: writer: " + reason)
			}
			fromKV = int64(p.Value.num)
		}
	}
	switch {
	case align == 0 && fromKV != 0:
		return kv, fromKV, nil
	case align == 0:
		return kv, defaultAlignment, nil
	case align < 0 || align > maxAlignment || align&(align-1) != 0:
		return nil, 0, fmt.Errorf("gguf: writer: alignment %d is not a power of two up to 2^31", align)
	case fromKV != 0 && fromKV != align:
		return nil, 0, fmt.Errorf("gguf: writer: alignment %d disagrees with %s %d", align, alignmentKey, fromKV)
	case fromKV == 0 && align != defaultAlignment:
		kv = append(kv[:len(kv):len(kv)], KV{Key: alignmentKey, Value: Uint32(uint32(align))})
	}
	return kv, align, nil
}

// layout validates the tensor infos and computes their offsets.
func (w *Writer) layout(tensors []TensorInfo) error {
	w.tensors = make([]TensorInfo, len(tensors))
	w.bytes = make([]int64, len(tensors))
	seen := make(map[string]struct{}, len(tensors))
	off := int64(0)
	for i, ti := range tensors {
		if reason := checkName(ti.Name); reason != "" {
			return errors.New("gguf: writer: " + reason)
		}
		if _, dup := seen[ti.Name]; dup {
			return fmt.Errorf("gguf: writer: duplicate tensor name %q", ti.Name)
		}
		seen[ti.Name] = struct{}{}
		if len(ti.Shape) < 1 || len(ti.Shape) > maxDims {
			return fmt.Errorf("gguf: writer: tensor %q has %d dimensions, want 1 to %d", ti.Name, len(ti.Shape), maxDims)
		}
		n, reason := tensorBytes(ti.Type, ti.Shape)
		if reason != "" {
			return fmt.Errorf("gguf: writer: tensor %q: %s", ti.Name, reason)
		}
		if n > math.MaxInt64-w.align || off > math.MaxInt64-alignUp(n, w.align) {
			return fmt.Errorf("gguf: writer: tensor %q: data section size overflows int64", ti.Name)
		}
		ti.Shape = append([]int64(nil), ti.Shape...)
		ti.Offset = off
		w.tensors[i], w.bytes[i] = ti, n
		off += alignUp(n, w.align)
	}
	return nil
}

// header writes everything before the tensor data, padding included.
func (w *Writer) header(kv []KV) error {
	e := &encoder{w: bufio.NewWriterSize(w.w, 16<<10)}
	e.write([]byte(magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(kv)))
	for _, p := range kv {
		e.str(p.Key)
		e.u32(uint32(p.Value.typ))
		e.value(p.Value)
	}
	for _, ti := range w.tensors {
		e.str(ti.Name)
		e.u32(uint32(len(ti.Shape)))
		for _, d := range ti.Shape {
			e.u64(uint64(d))
		}
		e.u32(uint32(ti.Type))
		e.u64(uint64(ti.Offset))
	}
	if e.err != nil {
		return e.err
	}
	if err := e.w.Flush(); err != nil {
		return err
	}
	if err := w.w.pad(w.align); err != nil {
		return err
	}
	return nil
}

// Tensors returns the tensor infos with their computed offsets. The caller
// may modify the result.
func (w *Writer) Tensors() []TensorInfo {
	ts := make([]TensorInfo, len(w.tensors))
	for i, ti := range w.tensors {
		ti.Shape = append([]int64(nil), ti.Shape...)
		ts[i] = ti
	}
	return ts
}

// WriteTensor writes the data of the next tensor, which must be the one
// named name, followed by padding. len(data) must be the tensor's Bytes.
// The data is written as it is, without copying.
func (w *Writer) WriteTensor(name string, data []byte) error {
	switch {
	case w.err != nil:
		return w.err
	case w.closed:
		return errors.New("gguf: WriteTensor after Close")
	case w.next >= len(w.tensors):
		return fmt.Errorf("gguf: WriteTensor(%q): all %d tensors are written", name, len(w.tensors))
	case w.tensors[w.next].Name != name:
		return fmt.Errorf("gguf: WriteTensor(%q): the next tensor is %q", name, w.tensors[w.next].Name)
	case int64(len(data)) != w.bytes[w.next]:
		return fmt.Errorf("gguf: WriteTensor(%q): %d bytes of data, want %d", name, len(data), w.bytes[w.next])
	}
	if _, err := w.w.Write(data); err != nil {
		w.err = fmt.Errorf("gguf: write tensor %q: %w", name, err)
		return w.err
	}
	if err := w.w.pad(w.align); err != nil {
		w.err = fmt.Errorf("gguf: write tensor %q: %w", name, err)
		return w.err
	}
	w.next++
	return nil
}

// Close checks that every tensor was written. It does not close the
// underlying io.Writer. Later calls return the same result.
func (w *Writer) Close() error {
	if w.closed {
		return w.closeErr
	}
	w.closed = true
	switch {
	case w.err != nil:
		w.closeErr = w.err
	case w.next < len(w.tensors):
		w.closeErr = fmt.Errorf("gguf: Close: %d of %d tensors were not written, the next is %q", len(w.tensors)-w.next, len(w.tensors), w.tensors[w.next].Name)
	}
	return w.closeErr
}
