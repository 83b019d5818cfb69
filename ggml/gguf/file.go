package gguf

import (
	"fmt"
	"math"
)

// KV is one metadata key-value pair.
type KV struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor of a GGUF file.
type TensorInfo struct {
	Name   string
	Type   Type
	Shape  []int64 // GGML order: Shape[0] is the row length (ne[0]); 1 to 4 dimensions
	Offset int64   // from the start of the data section
}

// Elements returns the number of elements of the tensor, or 0 if its shape
// is invalid (empty, with a dimension below 1, or overflowing int64).
// TensorInfos from Decode and Writer.Tensors are always valid.
func (ti TensorInfo) Elements() int64 {
	n, ok := elements(ti.Shape)
	if !ok {
		return 0
	}
	return n
}

// Bytes returns the size of the tensor's data, or 0 if the tensor is
// invalid (invalid shape, unknown type, row length not a multiple of the
// block size, or overflow). TensorInfos from Decode and Writer.Tensors are
// always valid.
func (ti TensorInfo) Bytes() int64 {
	n, err := tensorBytes(ti.Type, ti.Shape)
	if err != "" {
		return 0
	}
	return n
}

func elements(shape []int64) (int64, bool) {
	if len(shape) == 0 {
		return 0, false
	}
	n := int64(1)
	for _, d := range shape {
		if d < 1 || n > math.MaxInt64/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// tensorBytes returns the data size of a tensor, or the reason the tensor
// is invalid.
func tensorBytes(t Type, shape []int64) (int64, string) {
	switch {
	case !t.Known():
		return 0, "unknown tensor type " + t.String()
	case len(shape) == 0:
		return 0, "no dimensions"
	}
	n, ok := elements(shape)
	if !ok {
		return 0, fmt.Sprintf("invalid shape %v", shape)
	}
	if shape[0]%int64(t.BlockSize()) != 0 {
		return 0, fmt.Sprintf("row length %d is not a multiple of the block size %d of type %v", shape[0], t.BlockSize(), t)
	}
	b, err := t.RowBytes(n)
	if err != nil {
		return 0, fmt.Sprintf("byte size of %d elements of type %v overflows int64", n, t)
	}
	return b, ""
}

// File is the header of a GGUF file: its metadata and tensor infos.
//
// A File is a plain value: it is safe for concurrent reads by multiple
// goroutines, and Lookup and Tensor scan the slices as they are.
type File struct {
	Version    uint32       // 2 or 3
	KV         []KV         // in file order
	Tensors    []TensorInfo // in file order
	Alignment  int64        // general.alignment, or 32 if absent
	DataOffset int64        // absolute offset of the tensor data section
	Size       int64        // size of the file that was decoded
}

// Lookup returns the value of a metadata key.
func (f *File) Lookup(key string) (Value, bool) {
	for _, kv := range f.KV {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return Value{}, false
}

// Tensor returns the info of the tensor with the given name.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	for _, ti := range f.Tensors {
		if ti.Name == name {
			return ti, true
		}
	}
	return TensorInfo{}, false
}

// get returns the value of key converted by conv, or an error naming the key
// that wraps ErrKeyNotFound or ErrKeyType.
func get[T any](f *File, key, want string, conv func(Value) (T, bool)) (T, error) {
	var zero T
	v, ok := f.Lookup(key)
	if !ok {
		return zero, &keyError{fmt.Sprintf("gguf: key %q not found", key), ErrKeyNotFound}
	}
	x, ok := conv(v)
	if !ok {
		return zero, &keyError{fmt.Sprintf("gguf: key %q is %s, want %s", key, describe(v), want), ErrKeyType}
	}
	return x, nil
}

// keyError is an error of a getter of File.
type keyError struct {
	msg string
	err error // ErrKeyNotFound or ErrKeyType
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return e.err }

func describe(v Value) string {
	switch v.typ {
	case ValueArray:
		return "array of " + v.elem.String()
	case ValueString:
		return "string"
	}
	return v.typ.String() + " " + v.String()
}

// Uint returns the value of key, an integer of any type that is not negative.
func (f *File) Uint(key string) (uint64, error) {
	return get(f, key, "non-negative integer", Value.Uint)
}

// Int returns the value of key, an integer of any type that fits an int64.
func (f *File) Int(key string) (int64, error) {
	return get(f, key, "integer that fits int64", Value.Int)
}

// Float returns the value of key, a float32 or float64.
func (f *File) Float(key string) (float64, error) {
	return get(f, key, "float32 or float64", Value.Float)
}

// Bool returns the value of key, a bool.
func (f *File) Bool(key string) (bool, error) {
	return get(f, key, "bool", Value.Bool)
}

// Str returns the value of key, a string.
func (f *File) Str(key string) (string, error) {
	return get(f, key, "string", Value.Str)
}

// Strings returns the value of key, an array of strings (shared, read-only).
func (f *File) Strings(key string) ([]string, error) {
	return get(f, key, "array of string", Value.Strings)
}

// Float32s returns the value of key, an array of float32 (shared, read-only).
func (f *File) Float32s(key string) ([]float32, error) {
	return get(f, key, "array of float32", Value.Float32s)
}

// Int32s returns the value of key, an array of int32 (shared, read-only).
func (f *File) Int32s(key string) ([]int32, error) {
	return get(f, key, "array of int32", Value.Int32s)
}

// Uint32s returns the value of key, an array of uint32 (shared, read-only).
func (f *File) Uint32s(key string) ([]uint32, error) {
	return get(f, key, "array of uint32", Value.Uint32s)
}
