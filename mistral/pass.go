package mistral

import (
	"math"
	"slices"
	"time"

	"github.com/gomistral/gomistral/ggml"
)

// runner computes forward passes: a backend, the graphs last built and the
// allocator that places their intermediate tensors, all in one buffer (the
// same memory, warm in the caches, whatever the graph). A graph is reused
// when the shape of a pass comes back: generation with drafts alternates
// shapes (a token alone, a token and its guesses), as do Sessions joining
// and leaving a batch: building the graph at each change of shape, the
// small model built one 77 to 92 times in 512 tokens with drafts.
type runner struct {
	m      *model
	be     *ggml.Backend
	alloc  *ggml.Allocator
	graphs []*forward    // kept, most recently used last (the last pass's)
	built  time.Duration // the time the last pass took to build its graph (0: a kept one)
	builds int           // graphs built

	// scratch for graph keys and inputs, reused across passes
	keySegs []segmentKey
	tokBuf  []int32
	posBuf  []int32
	mask    []float32
	kIdx    []int64
	vIdx    []int64
	outIdx  []int32
	out     []float32
}

// Bounds of the graphs kept: their number, and their tensors (records of
// a few hundred bytes each: a graph of Mistral 7B with 8 Sessions has about
// 10,000 and holds a few MB, one of the small test model a few hundred).
// Drafts and partial logits give a generation a few dozen shapes of pass.
const (
	maxGraphs       = 64
	maxGraphTensors = 1 << 17
)

func newRunner(m *model, be *ggml.Backend) runner {
	return runner{m: m, be: be, alloc: ggml.NewAllocator(be)}
}

// close frees the graphs, the allocator and the backend. It is idempotent.
func (r *runner) close() {
	r.forget(nil)
	r.alloc.Close()
	r.alloc = nil
	r.be.Close()
}

// forget frees the kept graphs but keep.
func (r *runner) forget(keep *forward) {
	r.graphs = slices.DeleteFunc(r.graphs, func(f *forward) bool {
		if f != keep {
			f.close()
			return true
		}
		return false
	})
}

// graph returns the graph of key over the current weights: a kept one, or
// one built now.
//
// The allocator places a graph's tensors when it is built and places each
// graph in the same buffer, each as if it were alone: a kept graph's
// tensors stay where they were placed, valid for as long as the buffer is
// not replaced, which the allocator does only to grow it (on the CPU the
// buffer is one block: it grows when its size does). Then the other graphs
// are forgotten.
func (r *runner) graph(key graphKey) (*forward, error) {
	r.built = 0
	w := r.m.current.Load()
	for i, f := range r.graphs {
		if f.w == w && f.key.equal(key) {
			copy(r.graphs[i:], r.graphs[i+1:])
			r.graphs[len(r.graphs)-1] = f
			return f, nil
		}
	}
	start := time.Now()
	key.segs = slices.Clone(key.segs) // the graph keeps its key; key's are scratch
	layers := r.m.params.Layers
	kept := graphTensors(layers, len(key.segs))
	for _, f := range r.graphs {
		kept += graphTensors(layers, len(f.key.segs))
	}
	for len(r.graphs) > 0 && (len(r.graphs) >= maxGraphs || kept > maxGraphTensors) {
		kept -= graphTensors(layers, len(r.graphs[0].key.segs))
		r.graphs[0].close()
		r.graphs = slices.Delete(r.graphs, 0, 1)
	}
	f := buildForward(r.m, key)
	size := r.alloc.Size()
	if err := r.alloc.Alloc(f.graph); err != nil {
		// The allocator may have let its buffer go: forget them all.
		f.close()
		r.forget(nil)
		return nil, err
	}
	r.graphs = append(r.graphs, f)
	if r.alloc.Size() != size {
		r.forget(f) // the buffer was replaced: their tensors were in the old one
	}
	r.graphs = slices.DeleteFunc(r.graphs, func(f *forward) bool {
		if f.w != w { // built before the weights were repacked
			f.close()
			return true
		}
		return false
	})
	r.built = time.Since(start)
	r.builds++
	return f, nil
}

// last returns the graph of the last pass (nil before any).
func (r *runner) last() *forward {
	if len(r.graphs) == 0 {
		return nil
	}
	return r.graphs[len(r.graphs)-1]
}

// key returns the graph shape of segments at their sessions' positions,
// with pad rows computed after theirs and padOut output rows after the
// outputs (see kernelFacts.padding), so that the output matrix too is
// multiplied by the same kernel whatever the pass.
func (r *runner) key(segs []segment, pad, padOut int) graphKey {
	r.keySegs = grow(r.keySegs, len(segs))
	k := graphKey{pad: pad, padOut: padOut, segs: r.keySegs}
	if len(segs) == 1 && segs[0].outputs == 1 {
		k.only = len(segs[0].only)
	}
	for i, sg := range segs {
		sl := &sg.s.slots
		k.segs[i] = segmentKey{
			c:       sg.s.cache,
			tokens:  len(sg.tokens),
			viewLen: sl.viewLen(sl.blockStart(sl.next), viewGranule),
			outputs: sg.outputs,
		}
	}
	return k
}

// run computes one forward pass over the segments (each within one block of
// its session), commits their tokens to the caches and leaves each
// session's logits in place.
func (r *runner) run(segs []segment, pad, padOut int) error {
	key := r.key(segs, pad, padOut)
	f, err := r.graph(key)
	if err != nil {
		return err
	}
	r.setInputs(f, segs)
	if err := r.be.Compute(f.graph); err != nil {
		return err
	}
	width := key.width(r.m.params.Vocab)
	r.out = grow(r.out, width*key.outputs())
	f.logits.ReadF32(r.out)
	off := 0
	for _, sg := range segs {
		s := sg.s
		rows := r.out[off*width : (off+sg.outputs)*width]
		if sg.outputs > 1 {
			s.all = append(s.all[:0], rows...)
		}
		if key.only > 0 {
			// The logits of some tokens only: the others are -Inf.
			for i := range s.logits {
				s.logits[i] = float32(math.Inf(-1))
			}
			for i, id := range sg.only {
				s.logits[id] = rows[i]
			}
			s.stale = true
			s.stats.Partial++
		} else {
			copy(s.logits, rows[(sg.outputs-1)*width:])
			s.stale = false
		}
		off += sg.outputs
		s.slots.commit(len(sg.tokens))
		s.tokens = append(s.tokens, sg.tokens...)
		s.computed += len(sg.tokens)
	}
	return nil
}

// setInputs writes every segment's token ids, positions, mask, cache
// indices and output rows. A padding row repeats the first token.
func (r *runner) setInputs(f *forward, segs []segment) {
	kvDim := r.m.params.KVDim()
	rows := f.key.rows()
	r.tokBuf = grow(r.tokBuf, rows)
	r.posBuf = grow(r.posBuf, rows)
	r.outIdx = r.outIdx[:0]
	row := 0
	for i, sg := range segs {
		s := sg.s
		k := len(sg.tokens)
		for t, tok := range sg.tokens {
			r.tokBuf[row+t] = tok
			r.posBuf[row+t] = int32(s.slots.next + t)
		}
		io := f.segs[i]
		r.kIdx = grow(r.kIdx, k)
		for t := 0; t < k; t++ {
			r.kIdx[t] = int64(s.slots.slot(s.slots.next + t))
		}
		io.kSlots.SetI64(r.kIdx)
		if io.vIndex != nil {
			r.vIdx = grow(r.vIdx, kvDim*k)
			for t, slot := range r.kIdx[:k] {
				for d := 0; d < kvDim; d++ {
					r.vIdx[t*kvDim+d] = int64(d)*int64(s.slots.n) + slot
				}
			}
			io.vIndex.SetI64(r.vIdx)
		}
		sk := f.key.segs[i]
		ar := attnRows(k, r.m.params.Group(), s.cache.attnPad)
		r.mask = grow(r.mask, sk.viewLen*ar)
		s.slots.fillMask(r.mask, sk.viewLen, k, ar)
		io.mask.SetF32(r.mask)
		for o := k - sg.outputs; o < k; o++ {
			r.outIdx = append(r.outIdx, int32(row+o))
		}
		row += k
	}
	for i := range f.key.pad {
		r.tokBuf[row+i] = r.tokBuf[i%row]
		r.posBuf[row+i] = r.posBuf[i%row]
	}
	for range f.key.padOut {
		r.outIdx = append(r.outIdx, r.outIdx[len(r.outIdx)-1])
	}
	f.tokens.SetI32(r.tokBuf)
	f.pos.SetI32(r.posBuf)
	f.outRows.SetI32(r.outIdx)
	if f.only != nil {
		f.only.SetI32(segs[0].only)
	}
}
