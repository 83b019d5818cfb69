package mistral

import (
	"math"

	"github.com/gomistral/gomistral/ggml"
)

// graphKey identifies a forward graph's shape: graphs are rebuilt only when
// it changes.
type graphKey struct {
	tokens    int // real tokens in the pass (all in one block)
	rows      int // rows computed: tokens, padded to at least minRows
	viewLen   int // cache slots read before the pass writes
	blockSlot int // first slot of the pass's block
	outputs   int // rows whose logits are computed (at least minRows)
}

// minRows is the fewest rows a pass computes. GGML multiplies a single
// column with other kernels than several, so a lone token is computed as two
// identical rows: then a token's logits are bit for bit the same whether it
// was decoded alone or read in a prompt.
const minRows = 2

// forward is one built forward graph with its inputs and output.
type forward struct {
	key   graphKey
	ctx   *ggml.Context
	graph *ggml.Graph

	tokens  *ggml.Tensor // I32 [rows]
	pos     *ggml.Tensor // I32 [rows]: absolute positions, for RoPE
	mask    *ggml.Tensor // F32 [viewLen+block, rows]
	kSlots  *ggml.Tensor // I64 [tokens]: cache slot of each token
	vIndex  *ggml.Tensor // I64 [kv_dim*tokens]: element of the transposed V cache of each value
	outRows *ggml.Tensor // I32 [outputs]: which rows' logits to compute
	logits  *ggml.Tensor // F32 [vocab, outputs]
}

func (f *forward) close() {
	if f != nil {
		f.ctx.Close()
	}
}

// graphTensors bounds the tensors of a forward graph: about 40 per layer.
func graphTensors(layers int) int { return 64*layers + 64 }

// buildForward builds the graph of Mistral's forward pass over one pass of
// tokens within a block (see slots), for session s:
//
//  1. attention scores against the cache's first viewLen slots, read before
//     anything is written (they hold the positions before the block, and,
//     in the block's own slots, the positions one window earlier that
//     earlier tokens of the pass still see);
//  2. the pass's keys and values written to their slots;
//  3. scores against the block's slots, read after the write;
//  4. one softmax over both, under the sliding-window mask, and the
//     weighted sum of the values, again in those two parts.
//
// The cache holds exactly its n slots; no token ever sees a position twice
// or misses one of its window.
func (s *Session) buildForward(key graphKey) *forward {
	m := s.m
	p := m.params
	rows := int64(key.rows)
	nw := int64(key.tokens)
	kvl := int64(key.viewLen)
	blk := int64(s.slots.block)
	hd, nh, nkv := int64(p.HeadDim), int64(p.Heads), int64(p.KVHeads)
	kvDim := int64(p.KVDim())
	nSlots := int64(s.slots.n)

	size := graphTensors(p.Layers)
	ctx := ggml.NewContext(size, size)
	f := &forward{key: key, ctx: ctx}
	g := ctx.NewGraph(size)
	f.graph = g

	f.tokens = ctx.NewTensor(ggml.I32, rows).SetName("tokens").SetInput()
	f.pos = ctx.NewTensor(ggml.I32, rows).SetName("positions").SetInput()
	f.mask = ctx.NewTensor(ggml.F32, kvl+blk, rows).SetName("mask").SetInput()
	f.kSlots = ctx.NewTensor(ggml.I64, nw).SetName("k_slots").SetInput()
	f.vIndex = ctx.NewTensor(ggml.I64, kvDim*nw).SetName("v_index").SetInput()
	f.outRows = ctx.NewTensor(ggml.I32, int64(key.outputs)).SetName("out_rows").SetInput()

	eps := float32(p.NormEps)
	scale := float32(1 / math.Sqrt(float64(p.HeadDim)))
	base := float32(p.RopeBase)
	rowBytes := (kvl + blk) * 4 // one row of attention scores

	x := ctx.GetRows(m.embd, f.tokens) // [dim, rows]
	for il := range m.layers {
		l := &m.layers[il]
		kc, vt := s.k[il], s.vt[il]
		h := ctx.Mul(ctx.RMSNorm(x, eps), l.attnNorm)

		q := ctx.Reshape(ctx.MulMat(l.wq, h), hd, nh, rows)  // [hd, heads, rows]
		k := ctx.Reshape(ctx.MulMat(l.wk, h), hd, nkv, rows) // [hd, kv_heads, rows]
		v := ctx.MulMat(l.wv, h)                             // [kv_dim, rows]
		q = ctx.RoPE(q, f.pos, p.RopeDims, base)
		k = ctx.RoPE(k, f.pos, p.RopeDims, base)
		qp := ctx.Permute(q, 0, 2, 1, 3) // [hd, rows, heads]

		// 1. Scores against the cache as it was.
		var cached *ggml.Tensor
		if kvl > 0 {
			kOld := ctx.View(kc, []int64{hd, kvl, nkv}, []int64{kc.Stride(1), hd * kc.Stride(0)}, 0)
			cached = ctx.MulMat(kOld, qp) // [viewLen, rows, heads]
			g.Expand(cached)
		}
		// 2. Write the pass's keys (the real tokens' rows, not padding).
		kw := ctx.View(ctx.Reshape(k, kvDim, rows), []int64{kvDim, nw}, []int64{kvDim * 4}, 0)
		kNew := ctx.SetRows(kc, kw, f.kSlots)
		// 3. Scores against the block, read from what was just written.
		kBlk := ctx.View(kNew, []int64{hd, blk, nkv}, []int64{kc.Stride(1), hd * kc.Stride(0)},
			int64(key.blockSlot)*kc.Stride(1))
		scores := ctx.MulMat(kBlk, qp) // [block, rows, heads]
		if cached != nil {
			scores = ctx.Concat(cached, scores, 0)
		}
		probs := ctx.SoftMax(scores, f.mask, scale) // [viewLen+block, rows, heads]

		// 4. Values: the cache part first, read before the values are written.
		var out *ggml.Tensor
		if kvl > 0 {
			vOld := ctx.View(vt, []int64{kvl, hd, nkv}, []int64{vt.Stride(1), hd * vt.Stride(1)}, 0)
			pOld := ctx.View(probs, []int64{kvl, rows, nh}, []int64{rowBytes, rowBytes * rows}, 0)
			out = ctx.MulMat(vOld, pOld) // [hd, rows, heads]
			g.Expand(out)
		}
		vFlat := ctx.View(vt, []int64{1, nSlots * kvDim}, []int64{vt.Stride(0)}, 0)
		vw := ctx.Reshape(ctx.View(v, []int64{kvDim, nw}, []int64{kvDim * 4}, 0), 1, kvDim*nw)
		vNew := ctx.SetRows(vFlat, vw, f.vIndex)
		vBlk := ctx.View(vNew, []int64{blk, hd, nkv}, []int64{vt.Stride(1), hd * vt.Stride(1)},
			int64(key.blockSlot)*vt.Stride(0))
		pBlk := ctx.View(probs, []int64{blk, rows, nh}, []int64{rowBytes, rowBytes * rows}, kvl*4)
		blockOut := ctx.MulMat(vBlk, pBlk)
		if out != nil {
			out = ctx.Add(out, blockOut)
		} else {
			out = blockOut
		}

		o := ctx.Reshape(ctx.Cont(ctx.Permute(out, 0, 2, 1, 3)), hd*nh, rows) // [q_dim, rows]
		x = ctx.Add(x, ctx.MulMat(l.wo, o))

		h = ctx.Mul(ctx.RMSNorm(x, eps), l.ffnNorm)
		act := ctx.SwiGLU(ctx.MulMat(l.gate, h), ctx.MulMat(l.up, h))
		x = ctx.Add(x, ctx.MulMat(l.down, act))
	}
	x = ctx.GetRows(x, f.outRows)
	x = ctx.Mul(ctx.RMSNorm(x, eps), m.outNorm)
	f.logits = ctx.MulMat(m.output, x).SetName("logits").SetOutput() // [vocab, outputs]
	g.Expand(f.logits)
	return f
}
