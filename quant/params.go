package quant

import (
	"fmt"
	"math"
)

// Params are the hyper-parameters of a Mistral model, as read from its
// config.json (Hugging Face) or params.json (Mistral's release layout).
type Params struct {
	ContextLength     int     // llama.context_length: the training context, in tokens
	EmbeddingLength   int     // hidden size (dim)
	BlockCount        int     // number of transformer layers
	FeedForwardLength int     // hidden size of the SwiGLU feed-forward network
	HeadCount         int     // query heads
	HeadCountKV       int     // key/value heads (grouped-query attention)
	HeadDim           int     // EmbeddingLength / HeadCount
	RMSNormEps        float64 // epsilon of the RMS norms
	RopeFreqBase      float64 // RoPE theta
	SlidingWindow     int     // attention window in tokens; 0 means none
	VocabSize         int     // rows of the embedding and output matrices
	TiedEmbeddings    bool    // the output matrix is the embedding matrix (no lm_head)
}

// param names a hyper-parameter, so that each configuration format can
// report problems under its own field names.
type param int

const (
	paramEmbedding param = iota
	paramBlocks
	paramFeedForward
	paramHeads
	paramHeadsKV
	paramHeadDim
	paramVocab
	paramContext
	paramEps
	paramTheta
	paramWindow
	paramCount
)

// validate checks that p describes a model this package can convert, and
// returns the parameter and the reason of the first problem; reason is ""
// when there is none.
func (p *Params) validate() (param, string) {
	for _, f := range []struct {
		which param
		v     int
	}{
		{paramEmbedding, p.EmbeddingLength},
		{paramBlocks, p.BlockCount},
		{paramFeedForward, p.FeedForwardLength},
		{paramHeads, p.HeadCount},
		{paramHeadsKV, p.HeadCountKV},
		{paramHeadDim, p.HeadDim},
		{paramVocab, p.VocabSize},
		{paramContext, p.ContextLength},
	} {
		if f.v <= 0 {
			return f.which, fmt.Sprintf("%d is not positive", f.v)
		}
		if f.v > math.MaxInt32 {
			return f.which, fmt.Sprintf("%d is too large", f.v)
		}
	}
	switch {
	case p.EmbeddingLength%p.HeadCount != 0:
		return paramHeads, fmt.Sprintf("%d heads do not divide the embedding length %d", p.HeadCount, p.EmbeddingLength)
	case p.HeadDim != p.EmbeddingLength/p.HeadCount:
		return paramHeadDim, fmt.Sprintf("%d differs from embedding length / heads = %d / %d (not supported)",
			p.HeadDim, p.EmbeddingLength, p.HeadCount)
	case p.HeadDim%2 != 0:
		return paramHeadDim, fmt.Sprintf("%d is odd: RoPE rotates pairs", p.HeadDim)
	case p.HeadCountKV > p.HeadCount || p.HeadCount%p.HeadCountKV != 0:
		return paramHeadsKV, fmt.Sprintf("%d key/value heads do not divide the %d query heads", p.HeadCountKV, p.HeadCount)
	case !(p.RMSNormEps > 0) || math.IsInf(p.RMSNormEps, 0):
		return paramEps, fmt.Sprintf("%g is not a positive number", p.RMSNormEps)
	case !(p.RopeFreqBase > 0) || math.IsInf(p.RopeFreqBase, 0):
		return paramTheta, fmt.Sprintf("%g is not a positive number", p.RopeFreqBase)
	case p.SlidingWindow < 0 || p.SlidingWindow > math.MaxUint32:
		return paramWindow, fmt.Sprintf("%d is out of range", p.SlidingWindow)
	}
	return 0, ""
}
