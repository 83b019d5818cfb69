package quant

import (
	"errors"

	"github.com/gomistral/gomistral/mistral/arch"
)

// configSource gives arch.Decode the fields of a configuration file
// (config.json or params.json). theta, when not nil, reads RoPE's theta
// in the format's own way.
type configSource struct {
	obj   *jsonObject
	theta func() (float64, bool, error)
}

func (c configSource) Int(name string) (int64, bool, error) {
	v, ok, err := c.obj.int(name)
	return int64(v), ok, err
}

func (c configSource) Float(name string) (float64, bool, error) {
	if c.theta != nil && name == arch.ParamRopeBase.Name(arch.FormatHuggingFace) {
		return c.theta()
	}
	return c.obj.float(name)
}

// decodeConfig reads the hyper-parameters of a configuration file in format
// f through the architecture's table, and checks that this package can
// write them. It returns the fields that took their default. Problems are
// *ConfigError naming the file and the field.
func decodeConfig(c *jsonObject, f arch.Format, src configSource) (arch.Params, []string, error) {
	var p arch.Params
	defaulted, err := arch.Decode(f, src, &p)
	var pe *arch.ParamError
	if errors.As(err, &pe) {
		return p, nil, c.errorf(pe.Name, pe.Err, "%s", pe.Reason)
	}
	if err != nil {
		return p, nil, err
	}
	// The metadata written leaves attention.key_length out, as converters
	// do for Mistral: the head width must be the one readers derive.
	if p.HeadDim*p.Heads != p.Dim {
		return p, nil, c.errorf(arch.ParamHeadDim.Name(f), nil, "%d differs from embedding length / heads = %d / %d (not supported)",
			p.HeadDim, p.Dim, p.Heads)
	}
	return p, defaulted, nil
}
