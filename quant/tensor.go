package quant

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// sourceTensor is one tensor of the model as it will be written: its GGUF
// name and shape, and the source tensor it comes from.
type sourceTensor struct {
	name      string             // GGUF name
	shape     []int64            // GGML order: shape[0] is the row length
	src       safetensors.Tensor // the tensor in the source files
	ropeHeads int                // heads over which rows are permuted for RoPE; 0 for none
}

// rows returns the number of rows and their length in elements.
func (t *sourceTensor) rows() (rows, cols int) {
	cols = int(t.shape[0])
	return int(t.src.NumElements()) / cols, cols
}

// outputType returns the GGUF type the tensor is written in when the weights
// are asked for in typ: 1-D tensors (the norms) stay F32.
func (t *sourceTensor) outputType(typ gguf.Type) gguf.Type {
	if len(t.shape) == 1 {
		return gguf.TypeF32
	}
	return typ
}

// floatTypes maps the GGUF float types to their safetensors counterparts.
var floatTypes = map[gguf.Type]safetensors.DType{
	gguf.TypeF32:  safetensors.F32,
	gguf.TypeF16:  safetensors.F16,
	gguf.TypeBF16: safetensors.BF16,
}

// parallelElements is the size from which a tensor's conversion is split
// across goroutines.
const parallelElements = 1 << 20

// data returns the tensor's elements in typ (F32, F16 or BF16), with the RoPE
// permutation applied, in buf when it is large enough. When nothing needs
// converting or moving, the result is the source data itself, part of a
// read-only mapping: it must not be modified. Large conversions run on up to
// GOMAXPROCS goroutines, which look at ctx between chunks of rows.
func (t *sourceTensor) data(ctx context.Context, typ gguf.Type, buf []byte) ([]byte, error) {
	dt, ok := floatTypes[typ]
	if !ok {
		return nil, fmt.Errorf("quant: tensor %s: output type %v: %w", t.name, typ, ErrUnsupported)
	}
	if dt == t.src.DType && t.ropeHeads == 0 {
		return t.src.Data(), nil
	}
	rows, cols := t.rows()
	size := rows * cols * dt.Size()
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	workers := 1
	if dt != t.src.DType && rows*cols >= parallelElements {
		workers = min(runtime.GOMAXPROCS(0), rows)
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := rows*w/workers, rows*(w+1)/workers
		wg.Go(func() {
			for c := lo; c < hi && ctx.Err() == nil; c += convertChunkRows {
				t.convertRows(buf, dt, c, min(c+convertChunkRows, hi))
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return buf, nil
}

// convertChunkRows is how many rows a goroutine converts between looks at
// its context.
const convertChunkRows = 1024

// convertRows writes rows [lo, hi) of the tensor, converted to dt and
// permuted, into their place in dst.
func (t *sourceTensor) convertRows(dst []byte, dt safetensors.DType, lo, hi int) {
	rows, cols := t.rows()
	src := t.src.Data()
	inRow, outRow := cols*t.src.DType.Size(), cols*dt.Size()
	var scratch []float32
	if dt != t.src.DType {
		scratch = make([]float32, cols)
	}
	for r := lo; r < hi; r++ {
		sr := r
		if t.ropeHeads > 0 {
			sr = ropeSourceRow(r, rows, t.ropeHeads)
		}
		in, out := src[sr*inRow:(sr+1)*inRow], dst[r*outRow:(r+1)*outRow]
		if scratch == nil {
			copy(out, in)
			continue
		}
		if err := safetensors.DecodeFloat32(scratch, in, t.src.DType); err != nil {
			// The lengths agree by construction, and the type was checked
			// when the source was opened.
			panic("quant: " + err.Error())
		}
		encodeFloats(out, dt, scratch)
	}
}

// encodeFloats writes src into dst as little-endian elements of dt (F32, F16
// or BF16), rounding to nearest even. dst holds exactly len(src) elements.
func encodeFloats(dst []byte, dt safetensors.DType, src []float32) {
	switch dt {
	case safetensors.F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	case safetensors.F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], safetensors.Float32ToFloat16(v))
		}
	case safetensors.BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], safetensors.Float32ToBFloat16(v))
		}
	default:
		panic("quant: encodeFloats: unsupported type " + dt.String())
	}
}

// sharesSource reports whether b is the tensor's source data (returned by data
// when nothing needed converting).
func (t *sourceTensor) sharesSource(b []byte) bool {
	src := t.src.Data()
	return len(b) > 0 && len(src) > 0 && &b[0] == &src[0]
}
