package mistral

import (
	"math"
	"slices"

	"github.com/gomistral/gomistral/ggml"
)

// A forward pass computes one or more segments: each is one session's
// tokens at its next positions, all within one of its blocks (see slots).
// Several segments make a batch: one graph, one read of every weight for
// all of them.
type segment struct {
	s       *Session
	tokens  []int32 // the tokens to compute
	outputs int     // 1: logits of the last token; len(tokens): of every token
	only    []int32 // with one output: the logits of these tokens only (nil: all; see Session.only)
}

// segmentKey is the shape a segment gives the graph.
type segmentKey struct {
	c       *kvCache
	tokens  int
	viewLen int // cache slots the segment's attention reads
	outputs int
}

// graphKey identifies a forward graph: graphs are rebuilt only when it
// changes.
type graphKey struct {
	segs   []segmentKey
	pad    int // rows computed after the tokens' as copies of the first ones (see kernelFacts.padding)
	padOut int // output rows computed after the outputs as copies of the last (see kernelFacts.padding)
	only   int // logits of this many tokens only, not the vocabulary (0: all; see Session.only)
}

func (k graphKey) equal(o graphKey) bool {
	return k.pad == o.pad && k.padOut == o.padOut && k.only == o.only && slices.Equal(k.segs, o.segs)
}

// width is how many logits each output row of the graph holds.
func (k graphKey) width(vocab int) int {
	if k.only > 0 {
		return k.only
	}
	return vocab
}

func (k graphKey) rows() int {
	n := 0
	for _, s := range k.segs {
		n += s.tokens
	}
	return n + k.pad
}

func (k graphKey) outputs() int {
	n := 0
	for _, s := range k.segs {
		n += s.outputs
	}
	return n + k.padOut
}

// forward is one built forward graph with its inputs and output.
type forward struct {
	key   graphKey
	w     *weightSet // the weights it reads
	ctx   *ggml.Context
	graph *ggml.Graph

	tokens  *ggml.Tensor // I32 [rows]
	pos     *ggml.Tensor // I32 [rows]: absolute positions, for RoPE
	segs    []segmentIO  // per segment
	outRows *ggml.Tensor // I32 [outputs]: which rows' logits to compute
	only    *ggml.Tensor // I32 [key.only]: the tokens whose logits are computed (nil: all)
	logits  *ggml.Tensor // F32 [key.width(vocab), outputs]
}

// segmentIO are a segment's own inputs.
type segmentIO struct {
	mask   *ggml.Tensor // F32 [viewLen, attn rows]
	kSlots *ggml.Tensor // I64 [tokens]: cache slot of each token
	vIndex *ggml.Tensor // I64 [kv_dim*tokens]: element of the transposed V cache of each value (nil: F16 values, written by column)
}

func (f *forward) close() {
	if f != nil {
		f.ctx.Close()
	}
}

// attnRows is how many query rows a segment's attention computes. The
// queries of the heads that share a key head are multiplied together (group
// of them per token); where the device multiplies a single column with
// other kernels than several (pad, see ggml.ProductKernels), a lone token of
// a model without grouped heads is computed twice, so that a token's
// attention does not depend on its company.
func attnRows(tokens, group int, pad bool) int {
	if pad && group*tokens < 2 {
		return 2
	}
	return tokens
}

// graphTensors bounds the tensors of a forward graph.
func graphTensors(layers, segs int) int { return (40+36*segs)*layers + 72 + 8*segs }

// buildForward builds the graph of Mistral's forward pass. For each
// segment, in each layer:
//
//  1. the segment's keys and values written to their slots of the
//     session's cache;
//  2. attention scores against the cache's first viewLen slots, as the
//     pass leaves them (every slot that may hold a position of the
//     window of the segment's tokens, its own included);
//  3. one softmax under the sliding-window mask, and the weighted sum of
//     the values.
//
// The view's length depends only on the block the tokens are in, and a
// masked slot adds nothing to a token's sums, so a token's arithmetic is
// the same however its block was split into passes. No token ever sees a
// position twice or misses one of its window.
func buildForward(m *model, key graphKey) *forward {
	p := m.params
	rows := int64(key.rows())
	hd, nh, nkv := int64(p.HeadDim), int64(p.Heads), int64(p.KVHeads)
	kvDim := int64(p.KVDim())

	size := graphTensors(p.Layers, len(key.segs))
	ctx := ggml.NewContext(size, size)
	w := m.current.Load()
	f := &forward{key: key, w: w, ctx: ctx}
	g := ctx.NewGraph(size)
	f.graph = g

	f.tokens = ctx.NewTensor(ggml.I32, rows).SetName("tokens").SetInput()
	f.pos = ctx.NewTensor(ggml.I32, rows).SetName("positions").SetInput()
	for _, sk := range key.segs {
		io := segmentIO{
			mask:   ctx.NewTensor(ggml.F32, int64(sk.viewLen), int64(attnRows(sk.tokens, p.Group(), sk.c.attnPad))).SetName("mask").SetInput(),
			kSlots: ctx.NewTensor(ggml.I64, int64(sk.tokens)).SetName("k_slots").SetInput(),
		}
		if !sk.c.valuesByColumn() {
			io.vIndex = ctx.NewTensor(ggml.I64, kvDim*int64(sk.tokens)).SetName("v_index").SetInput()
		}
		f.segs = append(f.segs, io)
	}
	f.outRows = ctx.NewTensor(ggml.I32, int64(key.outputs())).SetName("out_rows").SetInput()
	if key.only > 0 {
		f.only = ctx.NewTensor(ggml.I32, int64(key.only)).SetName("only").SetInput()
	}

	eps := float32(p.NormEps)
	base := float32(p.RopeBase)

	x := ctx.GetRows(w.embd, f.tokens) // [dim, rows]
	for il := range w.layers {
		l := &w.layers[il]
		h := ctx.Mul(ctx.RMSNorm(x, eps), l.attnNorm)
		q := ctx.Reshape(ctx.MulMat(l.wq, h), hd, nh, rows)  // [hd, heads, rows]
		k := ctx.Reshape(ctx.MulMat(l.wk, h), hd, nkv, rows) // [hd, kv_heads, rows]
		v := ctx.MulMat(l.wv, h)                             // [kv_dim, rows]
		q = ctx.RoPE(q, f.pos, p.RopeDims, base)
		k = ctx.RoPE(k, f.pos, p.RopeDims, base)

		var o *ggml.Tensor // [q_dim, rows]
		row := int64(0)
		for si, sk := range key.segs {
			out := attention(ctx, g, m, sk, f.segs[si], il, q, k, v, row)
			row += int64(sk.tokens)
			if o == nil {
				o = out
			} else {
				o = ctx.Concat(o, out, 1)
			}
		}
		// The padding rows take the first rows' attention output (over
		// again when there are more of them than rows).
		for left, n := int64(key.pad), o.Dim(1); left > 0; left -= min(left, n) {
			o = ctx.Concat(o, ctx.View(o, []int64{o.Dim(0), min(left, n)}, []int64{o.Stride(1)}, 0), 1)
		}
		x = ctx.Add(x, ctx.MulMat(l.wo, o))

		h = ctx.Mul(ctx.RMSNorm(x, eps), l.ffnNorm)
		act := ctx.SwiGLU(ctx.MulMat(l.gate, h), ctx.MulMat(l.up, h))
		x = ctx.Add(x, ctx.MulMat(l.down, act))
	}
	x = ctx.GetRows(x, f.outRows)
	x = ctx.Mul(ctx.RMSNorm(x, eps), w.outNorm)
	if f.only != nil {
		f.logits = ctx.MulMatRows(w.output, f.only, x) // [only, outputs]
	} else {
		f.logits = ctx.MulMat(w.output, x) // [vocab, outputs]
	}
	f.logits.SetName("logits").SetOutput()
	g.Expand(f.logits)
	return f
}

// attention computes one segment's attention in layer il, from the rows of
// q, k and v starting at row, and returns its output [q_dim, tokens].
func attention(ctx *ggml.Context, g *ggml.Graph, m *model, sk segmentKey, in segmentIO, il int,
	q, k, v *ggml.Tensor, row int64) *ggml.Tensor {
	p := m.params
	hd, nh, nkv := int64(p.HeadDim), int64(p.Heads), int64(p.KVHeads)
	kvDim := int64(p.KVDim())
	c := sk.c
	kc, vt := c.k[il], c.vt[il]
	nw := int64(sk.tokens)
	grp := int64(p.Group()) // query heads per key head
	ar := int64(attnRows(sk.tokens, p.Group(), c.attnPad))
	cols := ar * grp // score columns per key head
	kvl := int64(sk.viewLen)
	nSlots := int64(c.n)
	scale := float32(1 / math.Sqrt(float64(p.HeadDim)))

	// The segment's queries, grouped by the key head they share:
	// [hd, attn rows, group, kv heads], a lone one repeated when heads are
	// not grouped. Head h is the (h mod group)-th of key head h / group.
	qs := ctx.View(q, []int64{hd, grp, nkv, nw}, []int64{q.Stride(1), grp * q.Stride(1), q.Stride(2)},
		row*q.Stride(2))
	if ar > nw {
		qs = ctx.Concat(qs, qs, 3)
	}
	qg := ctx.Reshape(ctx.Cont(ctx.Permute(qs, 0, 2, 3, 1)), hd, cols, nkv) // [hd, attn rows * group, kv heads]

	kHead := kc.Stride(1) / nkv // bytes of one head's key (F16, F32 or Q8_0 blocks)

	// 1. Write the segment's keys and values to their slots. No position
	// a token of the pass attends to lives in those slots: the cache holds a
	// block more than the window.
	kw := ctx.View(k, []int64{kvDim, nw}, []int64{k.Stride(2)}, row*k.Stride(2))
	kNew := ctx.SetRows(kc, kw, in.kSlots)
	vw := ctx.View(v, []int64{kvDim, nw}, []int64{v.Stride(1)}, row*v.Stride(1))
	var vNew *ggml.Tensor
	if c.valuesByColumn() {
		// A token's values are a column of the transposed cache, one
		// element of every row: stored one by one (SetRows would take
		// each as a row of its own: in a profile of 8 Sessions decoding
		// on the 7B shape, 6% of the computing time).
		vNew = ctx.SetColumns(vt, vw, in.kSlots)
	} else {
		vFlat := ctx.View(vt, []int64{1, nSlots * kvDim}, []int64{vt.Stride(0)}, 0)
		vNew = ctx.SetRows(vFlat, ctx.Reshape(vw, 1, kvDim*nw), in.vIndex)
	}

	// 2. Scores against the first viewLen slots, read after the writes
	// (views of what the writes return), one mask row per query row,
	// shared by the heads.
	kView := ctx.View(kNew, []int64{hd, kvl, nkv}, []int64{kc.Stride(1), kHead}, 0)
	scores := ctx.Reshape(ctx.MulMat(kView, qg), kvl, ar, grp, nkv) // [viewLen, attn rows, group, kv heads]
	probs := ctx.SoftMaxInPlace(scores, in.mask, scale)

	// 3. The values, weighted.
	vView := ctx.View(vNew, []int64{kvl, hd, nkv}, []int64{vt.Stride(1), hd * vt.Stride(1)}, 0)
	out := ctx.MulMat(vView, ctx.Reshape(probs, kvl, cols, nkv)) // [hd, attn rows * group, kv heads]
	// Back to [hd, heads, attn rows], heads in their order.
	out = ctx.Reshape(out, hd, ar, grp, nkv)
	o := ctx.Reshape(ctx.Cont(ctx.Permute(out, 0, 3, 1, 2)), hd*nh, ar) // [q_dim, attn rows]
	if ar > nw {
		o = ctx.View(o, []int64{hd * nh, nw}, []int64{o.Stride(1)}, 0)
	}
	return o
}
