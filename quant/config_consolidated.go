package quant

import (
	"fmt"
	"slices"

	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant/internal/bounded"
)

// DefaultContextLength is the context length written for a consolidated
// model whose params.json does not give one: that of every Mistral 7B
// release's config.json.
const DefaultContextLength = arch.ConsolidatedContextLength

// consolidatedOthers are params.json fields of other Mistral models.
var consolidatedOthers = []struct{ field, what string }{
	{"moe", "a mixture-of-experts model"},
	{"vision_encoder", "a vision model"},
}

// readConsolidatedParams reads the params.json of a model in Mistral's own
// release layout (mistral-inference). notes tells which defaults were used.
func readConsolidatedParams(path string) (p arch.Params, notes []string, err error) {
	b, err := bounded.ReadFile(path, maxConfigSize)
	if err != nil {
		return p, nil, fmt.Errorf("quant: %w", err)
	}
	return parseConsolidatedParams(path, b)
}

// parseConsolidatedParams parses b, the params.json at path (for errors).
func parseConsolidatedParams(path string, b []byte) (p arch.Params, notes []string, err error) {
	c, err := parseJSONObject(path, b)
	if err != nil {
		return p, nil, err
	}
	for _, o := range consolidatedOthers {
		if _, present := c.raw(o.field); present {
			return p, nil, c.errorf(o.field, ErrNotMistral, "%s is not Mistral 7B", o.what)
		}
	}
	f := arch.FormatConsolidated
	p, defaulted, err := decodeConfig(c, f, configSource{obj: c})
	if err != nil {
		return p, nil, err
	}
	if theta := arch.ParamRopeBase.Name(f); slices.Contains(defaulted, theta) {
		notes = append(notes, fmt.Sprintf("%s has no %s: assuming %g, as mistral-inference does", path, theta, p.RopeBase))
	}
	if ctx := arch.ParamContext.Name(f); slices.Contains(defaulted, ctx) {
		notes = append(notes, fmt.Sprintf("%s has no %s: writing context length %d", path, ctx, p.ContextLength))
	}
	return p, notes, nil
}
