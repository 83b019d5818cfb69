package quant

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
)

// chunkElements is about how many elements a goroutine decodes and encodes
// at a time: enough to make the calls into GGML cheap, few enough for its
// float32 scratch (256 KiB) to stay in cache.
const chunkElements = 64 << 10

// rowEncoder encodes tensors row by row on several goroutines. It keeps one
// float32 scratch buffer per goroutine from tensor to tensor.
type rowEncoder struct {
	scratch [][]float32 // one per goroutine: (chunk rows, row length)
}

// newRowEncoder returns an encoder of workers goroutines (at least one).
func newRowEncoder(workers int) *rowEncoder {
	return &rowEncoder{scratch: make([][]float32, max(1, workers))}
}

// encode writes the rows of t, in type typ, into dst, which holds exactly
// their size in typ. Rows go in chunks to the goroutines; each decodes its
// rows to float32 (GGML's dequantisers and float conversions) and encodes
// them in typ with GGML's quantisers, or copies them when typ is the stored
// type. ctx is checked between chunks.
func (e *rowEncoder) encode(ctx context.Context, t *inputTensor, typ gguf.Type, dst []byte) error {
	rows, cols := t.rows()
	inRow, err := t.typ.RowBytes(int64(cols))
	if err != nil {
		return fmt.Errorf("quant: tensor %s: %w", t.name, err)
	}
	outRow, err := typ.RowBytes(int64(cols))
	if err != nil {
		return fmt.Errorf("quant: tensor %s: %w", t.name, err)
	}
	if int64(len(dst)) != int64(rows)*outRow || int64(len(t.data)) != int64(rows)*inRow {
		panic(fmt.Sprintf("quant: encodeTensor %s: %d bytes in, %d out, for %d rows of %d", t.name, len(t.data), len(dst), rows, cols))
	}
	chunkRows := max(1, chunkElements/cols)
	chunks := (rows + chunkRows - 1) / chunkRows
	workers := min(len(e.scratch), chunks)

	var (
		next     atomic.Int64 // the next chunk to take
		failed   atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err })
		failed.Store(true)
	}
	for w := range workers {
		wg.Go(func() {
			for !failed.Load() {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				lo, hi := c*chunkRows, min((c+1)*chunkRows, rows)
				out := dst[int64(lo)*outRow : int64(hi)*outRow]
				if typ == t.typ {
					t.copyRows(out, lo, hi, int(inRow))
					continue
				}
				if len(e.scratch[w]) < chunkRows*cols {
					e.scratch[w] = make([]float32, chunkRows*cols)
				}
				values := e.scratch[w][:(hi-lo)*cols]
				if err := t.decodeRows(values, lo, hi, int(inRow)); err != nil {
					fail(err)
					return
				}
				if err := ggml.Quantize(typ, out, values, hi-lo, cols, nil); err != nil {
					fail(fmt.Errorf("quant: tensor %s: %w", t.name, err))
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// copyRows copies the stored rows that become rows [lo, hi) into out.
func (t *inputTensor) copyRows(out []byte, lo, hi, rowBytes int) {
	if t.rowOf == nil {
		copy(out, t.data[lo*rowBytes:hi*rowBytes])
		return
	}
	for r := lo; r < hi; r++ {
		sr := t.rowOf(r)
		copy(out[(r-lo)*rowBytes:], t.data[sr*rowBytes:(sr+1)*rowBytes])
	}
}

// decodeRows decodes the stored rows that become rows [lo, hi) into values,
// and checks that they are finite: GGML's quantisers would turn a NaN or an
// infinity into a block of garbage.
func (t *inputTensor) decodeRows(values []float32, lo, hi, rowBytes int) error {
	_, cols := t.rows()
	var err error
	if t.rowOf == nil {
		err = ggml.Dequantize(t.typ, values, t.data[lo*rowBytes:hi*rowBytes])
	} else {
		for r := lo; r < hi && err == nil; r++ {
			sr := t.rowOf(r)
			err = ggml.Dequantize(t.typ, values[(r-lo)*cols:(r-lo+1)*cols], t.data[sr*rowBytes:(sr+1)*rowBytes])
		}
	}
	if err != nil {
		return fmt.Errorf("quant: tensor %s: %w", t.name, err)
	}
	for i, v := range values {
		if v-v != 0 { // NaN or ±Inf
			r := lo + i/cols
			if t.rowOf != nil {
				r = t.rowOf(r)
			}
			return &TensorError{Name: t.name, Reason: fmt.Sprintf("row %d holds a non-finite value (%v)", r, v)}
		}
	}
	return nil
}
