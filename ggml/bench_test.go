package ggml

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkMatVec7B measures the product of one Mistral 7B feed-forward
// weight (14336 x 4096) with one activation vector, the operation that bounds
// generation speed, and reports the weight bytes read per second.
//
//	CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native" go test ./ggml -run '^$' -bench MatVec7B
func BenchmarkMatVec7B(b *testing.B) {
	for _, typ := range []Type{Q4_0, Q4_K, Q8_0, F16} {
		for _, repack := range []bool{false, true} {
			if repack && !CanRepack(typ, []int64{4096, 14336}) {
				continue
			}
			for _, cols := range []int{1, 2, 3, 4, 8} {
				name := fmt.Sprintf("%v/n=%d", typ, cols)
				if repack {
					name = fmt.Sprintf("%v-repacked/n=%d", typ, cols)
				}
				b.Run(name, func(b *testing.B) { benchMatVec(b, typ, repack, cols) })
			}
		}
	}
}

func benchMatVec(b *testing.B, typ Type, repack bool, cols int) {
	const k, m = 4096, 14336
	r := rand.New(rand.NewPCG(7, 7))
	rb, err := typ.RowBytes(k)
	require.NoError(b, err)
	// Quantise a few random rows and tile them: the kernel's speed
	// does not depend on the values, only on the bytes it reads.
	const distinct = 64
	src := make([]float32, distinct*k)
	for i := range src {
		src[i] = float32(r.NormFloat64())
	}
	tile := make([]byte, distinct*rb)
	require.NoError(b, Quantize(typ, tile, src, distinct, k, nil))
	w := make([]byte, m*rb)
	for off := 0; off < len(w); off += len(tile) {
		copy(w[off:], tile)
	}

	weights := NewContext(1, 0)
	defer weights.Close()
	wt := weights.NewTensor(typ, k, m)
	be, err := NewCPU(2)
	require.NoError(b, err)
	defer be.Close()
	var buf *Buffer
	if repack {
		buf, err = NewRepackBuffer(wt.Bytes())
		require.NoError(b, err)
		require.NoError(b, buf.PlaceRepacked(wt, 0, w))
	} else {
		buf, err = be.AllocTensors(weights)
		require.NoError(b, err)
		wt.Write(w, 0)
	}
	defer buf.Close()

	ctx := NewContext(8, 8)
	defer ctx.Close()
	x := ctx.NewTensor(F32, k, int64(cols)).SetInput()
	y := ctx.MulMat(wt, x).SetOutput()
	g := ctx.NewGraph(8)
	g.Expand(y)
	ga := NewAllocator(be)
	defer ga.Close()
	require.NoError(b, ga.Alloc(g))
	x.SetF32(randF32(r, k*cols))

	b.SetBytes(int64(len(w)))
	for b.Loop() {
		if err := be.Compute(g); err != nil {
			b.Fatal(err)
		}
	}
}
