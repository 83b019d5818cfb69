package quant

import (
	"fmt"
	"os"
	"slices"
)

// hfArchitecture is the transformers class of Mistral models.
const hfArchitecture = "MistralForCausalLM"

// Defaults of transformers' MistralConfig for fields a config.json may omit.
const hfDefaultRopeTheta = 10000.0

// hfFields names the hyper-parameters in a Hugging Face config.json.
var hfFields = [paramCount]string{
	paramEmbedding:   "hidden_size",
	paramBlocks:      "num_hidden_layers",
	paramFeedForward: "intermediate_size",
	paramHeads:       "num_attention_heads",
	paramHeadsKV:     "num_key_value_heads",
	paramHeadDim:     "head_dim",
	paramVocab:       "vocab_size",
	paramContext:     "max_position_embeddings",
	paramEps:         "rms_norm_eps",
	paramTheta:       "rope_theta",
	paramWindow:      "sliding_window",
}

// readHFConfig reads the config.json of a Hugging Face Mistral model. A
// config of another model is a *ConfigError wrapping ErrNotMistral.
func readHFConfig(path string) (Params, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Params{}, fmt.Errorf("quant: %w", err)
	}
	return parseHFConfig(path, b)
}

// parseHFConfig parses b, the config.json at path (for errors).
func parseHFConfig(path string, b []byte) (Params, error) {
	var p Params
	c, err := parseJSONObject(path, b)
	if err != nil {
		return p, err
	}
	if err := checkHFIdentity(c); err != nil {
		return p, err
	}
	ints := []struct {
		dst *int
		key param
	}{
		{&p.EmbeddingLength, paramEmbedding},
		{&p.BlockCount, paramBlocks},
		{&p.FeedForwardLength, paramFeedForward},
		{&p.HeadCount, paramHeads},
		{&p.HeadCountKV, paramHeadsKV},
		{&p.VocabSize, paramVocab},
		{&p.ContextLength, paramContext},
	}
	for _, f := range ints {
		if *f.dst, err = c.requiredInt(hfFields[f.key]); err != nil {
			return p, err
		}
	}
	var ok bool
	if p.RMSNormEps, ok, err = c.float(hfFields[paramEps]); err != nil {
		return p, err
	} else if !ok {
		return p, c.errorf(hfFields[paramEps], nil, "missing")
	}
	if p.RopeFreqBase, err = hfRopeTheta(c); err != nil {
		return p, err
	}
	// sliding_window: null means full attention. transformers defaults an
	// absent one to 4096; rather than guess, ask for it.
	if !c.has(hfFields[paramWindow]) {
		return p, c.errorf(hfFields[paramWindow], nil, "missing (null means no window)")
	}
	if w, ok, err := c.int(hfFields[paramWindow]); err != nil {
		return p, err
	} else if ok && w <= 0 {
		return p, c.errorf(hfFields[paramWindow], nil, "%d is not positive", w)
	} else if ok {
		p.SlidingWindow = w
	}
	if p.HeadDim, ok, err = c.int(hfFields[paramHeadDim]); err != nil {
		return p, err
	} else if !ok && p.HeadCount > 0 {
		p.HeadDim = p.EmbeddingLength / p.HeadCount
	}
	if p.TiedEmbeddings, _, err = c.bool("tie_word_embeddings"); err != nil {
		return p, err
	}
	if which, reason := p.validate(); reason != "" {
		return p, c.errorf(hfFields[which], nil, "%s", reason)
	}
	return p, nil
}

// checkHFIdentity checks that the config is that of a plain Mistral model:
// model_type "mistral", the MistralForCausalLM architecture, SiLU, no
// quantisation.
func checkHFIdentity(c *jsonObject) error {
	mt, ok, err := c.str("model_type")
	switch {
	case err != nil:
		return err
	case !ok:
		return c.errorf("model_type", ErrNotMistral, "missing, want \"mistral\"")
	case mt != "mistral":
		return c.errorf("model_type", ErrNotMistral, "%q is not \"mistral\"", mt)
	}
	archs, ok, err := c.strings("architectures")
	switch {
	case err != nil:
		return err
	case ok && !slices.Contains(archs, hfArchitecture):
		return c.errorf("architectures", ErrNotMistral, "%q lacks %s", archs, hfArchitecture)
	}
	if act, ok, err := c.str("hidden_act"); err != nil {
		return err
	} else if ok && act != "silu" {
		return c.errorf("hidden_act", ErrUnsupported, "%q is not \"silu\"", act)
	}
	if c.has("quantization_config") {
		return c.errorf("quantization_config", ErrUnsupported, "a quantised checkpoint cannot be converted; start from F32, F16 or BF16 weights")
	}
	return nil
}

// hfRopeTheta returns RoPE theta from rope_theta (transformers 4) or
// rope_parameters.rope_theta (transformers 5), rejecting RoPE scaling.
func hfRopeTheta(c *jsonObject) (float64, error) {
	theta, ok, err := c.float("rope_theta")
	if err != nil {
		return 0, err
	}
	for _, key := range []string{"rope_parameters", "rope_scaling"} {
		rp, present, err := c.object(key)
		if err != nil {
			return 0, err
		}
		if !present {
			continue
		}
		if typ, _, err := rp.str("rope_type"); err != nil {
			return 0, err
		} else if typ != "" && typ != "default" {
			return 0, rp.errorf("rope_type", ErrUnsupported, "RoPE scaling %q", typ)
		}
		if t, present, err := rp.str("type"); err != nil {
			return 0, err
		} else if present && t != "default" {
			return 0, rp.errorf("type", ErrUnsupported, "RoPE scaling %q", t)
		}
		t, present, err := rp.float("rope_theta")
		if err != nil {
			return 0, err
		}
		if present {
			if ok && t != theta {
				return 0, rp.errorf("rope_theta", nil, "%g disagrees with rope_theta %g", t, theta)
			}
			theta, ok = t, true
		}
	}
	if !ok {
		theta = hfDefaultRopeTheta
	}
	return theta, nil
}
