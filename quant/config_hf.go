package quant

import (
	"fmt"
	"slices"

	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant/internal/bounded"
)

// hfArchitecture is the transformers class of Mistral models.
const hfArchitecture = "MistralForCausalLM"

// readHFConfig reads the config.json of a Hugging Face Mistral model. A
// config of another model is a *ConfigError wrapping ErrNotMistral.
func readHFConfig(path string) (arch.Params, error) {
	b, err := bounded.ReadFile(path, maxConfigSize)
	if err != nil {
		return arch.Params{}, fmt.Errorf("quant: %w", err)
	}
	return parseHFConfig(path, b)
}

// parseHFConfig parses b, the config.json at path (for errors).
func parseHFConfig(path string, b []byte) (arch.Params, error) {
	c, err := parseJSONObject(path, b)
	if err != nil {
		return arch.Params{}, err
	}
	if err := checkHFIdentity(c); err != nil {
		return arch.Params{}, err
	}
	// sliding_window: null means full attention. transformers defaults an
	// absent one to 4096; rather than guess, ask for it.
	if window := arch.ParamWindow.Name(arch.FormatHuggingFace); !c.has(window) {
		return arch.Params{}, c.errorf(window, nil, "missing (null means no window)")
	}
	p, _, err := decodeConfig(c, arch.FormatHuggingFace, configSource{obj: c, theta: func() (float64, bool, error) { return hfRopeTheta(c) }})
	if err != nil {
		return p, err
	}
	if p.TiedEmbeddings, _, err = c.bool("tie_word_embeddings"); err != nil {
		return p, err
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
// rope_parameters.rope_theta (transformers 5), rejecting RoPE scaling; ok
// is false when the config gives none.
func hfRopeTheta(c *jsonObject) (theta float64, ok bool, err error) {
	theta, ok, err = c.float("rope_theta")
	if err != nil {
		return 0, false, err
	}
	for _, key := range []string{"rope_parameters", "rope_scaling"} {
		rp, present, err := c.object(key)
		if err != nil {
			return 0, false, err
		}
		if !present {
			continue
		}
		if typ, _, err := rp.str("rope_type"); err != nil {
			return 0, false, err
		} else if typ != "" && typ != "default" {
			return 0, false, rp.errorf("rope_type", ErrUnsupported, "RoPE scaling %q", typ)
		}
		if t, present, err := rp.str("type"); err != nil {
			return 0, false, err
		} else if present && t != "default" {
			return 0, false, rp.errorf("type", ErrUnsupported, "RoPE scaling %q", t)
		}
		t, present, err := rp.float("rope_theta")
		if err != nil {
			return 0, false, err
		}
		if present {
			if ok && t != theta {
				return 0, false, rp.errorf("rope_theta", nil, "%g disagrees with rope_theta %g", t, theta)
			}
			theta, ok = t, true
		}
	}
	return theta, ok, nil
}
