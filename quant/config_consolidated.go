package quant

import (
	"fmt"
	"os"
)

// Defaults for fields a params.json may omit.
const (
	// consolidatedDefaultRopeTheta is what mistral-inference assumes when
	// params.json has no rope_theta.
	consolidatedDefaultRopeTheta = 1e6
	// DefaultContextLength is the context length written for a consolidated
	// model whose params.json does not give one: that of every Mistral 7B
	// release's config.json.
	DefaultContextLength = 32768
)

// consolidatedFields names the hyper-parameters in a params.json.
var consolidatedFields = [paramCount]string{
	paramEmbedding:   "dim",
	paramBlocks:      "n_layers",
	paramFeedForward: "hidden_dim",
	paramHeads:       "n_heads",
	paramHeadsKV:     "n_kv_heads",
	paramHeadDim:     "head_dim",
	paramVocab:       "vocab_size",
	paramContext:     "max_seq_len",
	paramEps:         "norm_eps",
	paramTheta:       "rope_theta",
	paramWindow:      "sliding_window",
}

// consolidatedOthers are params.json fields of other Mistral models.
var consolidatedOthers = []struct{ field, what string }{
	{"moe", "a mixture-of-experts model"},
	{"vision_encoder", "a vision model"},
}

// readConsolidatedParams reads the params.json of a model in Mistral's own
// release layout (mistral-inference). notes tells which defaults were used.
func readConsolidatedParams(path string) (p Params, notes []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return p, nil, fmt.Errorf("quant: %w", err)
	}
	return parseConsolidatedParams(path, b)
}

// parseConsolidatedParams parses b, the params.json at path (for errors).
func parseConsolidatedParams(path string, b []byte) (p Params, notes []string, err error) {
	c, err := parseJSONObject(path, b)
	if err != nil {
		return p, nil, err
	}
	for _, o := range consolidatedOthers {
		if _, present := c.raw(o.field); present {
			return p, nil, c.errorf(o.field, ErrNotMistral, "%s is not Mistral 7B", o.what)
		}
	}
	f := &consolidatedFields
	for _, r := range []struct {
		dst *int
		key param
	}{
		{&p.EmbeddingLength, paramEmbedding},
		{&p.BlockCount, paramBlocks},
		{&p.FeedForwardLength, paramFeedForward},
		{&p.HeadCount, paramHeads},
		{&p.HeadCountKV, paramHeadsKV},
		{&p.VocabSize, paramVocab},
	} {
		if *r.dst, err = c.requiredInt(f[r.key]); err != nil {
			return p, nil, err
		}
	}
	var ok bool
	if p.RMSNormEps, ok, err = c.float(f[paramEps]); err != nil {
		return p, nil, err
	} else if !ok {
		return p, nil, c.errorf(f[paramEps], nil, "missing")
	}
	if p.RopeFreqBase, ok, err = c.float(f[paramTheta]); err != nil {
		return p, nil, err
	} else if !ok {
		p.RopeFreqBase = consolidatedDefaultRopeTheta
		notes = append(notes, fmt.Sprintf("%s has no %s: assuming %g, as mistral-inference does", path, f[paramTheta], p.RopeFreqBase))
	}
	if p.ContextLength, ok, err = c.int(f[paramContext]); err != nil {
		return p, nil, err
	} else if !ok {
		p.ContextLength = DefaultContextLength
		notes = append(notes, fmt.Sprintf("%s has no %s: writing context length %d", path, f[paramContext], p.ContextLength))
	}
	if w, ok, err := c.int(f[paramWindow]); err != nil {
		return p, nil, err
	} else if ok && w <= 0 {
		return p, nil, c.errorf(f[paramWindow], nil, "%d is not positive", w)
	} else if ok {
		p.SlidingWindow = w
	}
	if p.HeadDim, ok, err = c.int(f[paramHeadDim]); err != nil {
		return p, nil, err
	} else if !ok && p.HeadCount > 0 {
		p.HeadDim = p.EmbeddingLength / p.HeadCount
	}
	if which, reason := p.validate(); reason != "" {
		return p, nil, c.errorf(f[which], nil, "%s", reason)
	}
	return p, notes, nil
}
