package quant

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/mistral/arch"
)

// tinyConfig returns the tiny model's config.json, decoded, for editing.
func tinyConfig(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tinyV1, hfConfigName))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// tinyParams are the tiny v1 model's hyper-parameters (testdata/README.md).
var tinyParams = arch.Params{
	ContextLength: 4096, Dim: 128, Layers: 4, FFN: 384,
	Heads: 4, KVHeads: 2, HeadDim: 32, RopeDims: 32, NormEps: 1e-5, RopeBase: 10000,
	Window: 128, WindowSource: arch.WindowFile, Vocab: 32000,
}

func TestParseHFConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(m map[string]any)
		want func(p *arch.Params)
	}{
		{"as shipped", func(map[string]any) {}, func(*arch.Params) {}},
		{"transformers 4 rope_theta", func(m map[string]any) {
			delete(m, "rope_parameters")
			m["rope_theta"] = 1e6
		}, func(p *arch.Params) { p.RopeBase = 1e6 }},
		{"both, agreeing", func(m map[string]any) { m["rope_theta"] = 10000.0 }, func(*arch.Params) {}},
		{"no theta: transformers' default", func(m map[string]any) { delete(m, "rope_parameters") }, func(*arch.Params) {}},
		{"rope_scaling null", func(m map[string]any) { m["rope_scaling"] = nil }, func(*arch.Params) {}},
		{"no window", func(m map[string]any) { m["sliding_window"] = nil }, func(p *arch.Params) { p.Window, p.WindowSource = 0, arch.WindowNone }},
		{"no head_dim", func(m map[string]any) { delete(m, "head_dim") }, func(*arch.Params) {}},
		{"head_dim null", func(m map[string]any) { m["head_dim"] = nil }, func(*arch.Params) {}},
		{"no architectures", func(m map[string]any) { delete(m, "architectures") }, func(*arch.Params) {}},
		{"tied", func(m map[string]any) { m["tie_word_embeddings"] = true }, func(p *arch.Params) { p.TiedEmbeddings = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tinyConfig(t)
			tt.edit(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			got, err := parseHFConfig(hfConfigName, b)
			require.NoError(t, err)
			want := tinyParams
			tt.want(&want)
			assert.Equal(t, want, got)
		})
	}
}

func TestParseHFConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		field string
		is    error
	}{
		{"theta disagrees", func(m map[string]any) { m["rope_theta"] = 5.0 }, "rope_parameters.rope_theta", nil},
		{"rope type", func(m map[string]any) { m["rope_parameters"].(map[string]any)["rope_type"] = "yarn" }, "rope_parameters.rope_type", ErrUnsupported},
		{"activation", func(m map[string]any) { m["hidden_act"] = "gelu" }, "hidden_act", ErrUnsupported},
		{"theta string", func(m map[string]any) { m["rope_theta"] = "1e4" }, "rope_theta", nil},
		{"theta negative", func(m map[string]any) { m["rope_theta"] = -1.0; delete(m, "rope_parameters") }, "rope_theta", nil},
		{"eps zero", func(m map[string]any) { m["rms_norm_eps"] = 0 }, "rms_norm_eps", nil},
		{"eps missing", func(m map[string]any) { delete(m, "rms_norm_eps") }, "rms_norm_eps", nil},
		{"window negative", func(m map[string]any) { m["sliding_window"] = -1 }, "sliding_window", nil},
		{"window string", func(m map[string]any) { m["sliding_window"] = "4096" }, "sliding_window", nil},
		{"odd head dim", func(m map[string]any) {
			m["hidden_size"], m["num_attention_heads"], m["num_key_value_heads"] = 12, 4, 2
			delete(m, "head_dim")
		}, "head_dim", nil},
		{"more kv heads than heads", func(m map[string]any) { m["num_key_value_heads"] = 8 }, "num_key_value_heads", nil},
		{"huge", func(m map[string]any) { m["vocab_size"] = 1 << 40 }, "vocab_size", nil},
		{"architectures not a list", func(m map[string]any) { m["architectures"] = "MistralForCausalLM" }, "architectures", nil},
		{"model_type not a string", func(m map[string]any) { m["model_type"] = 7 }, "model_type", nil},
		{"tie not a bool", func(m map[string]any) { m["tie_word_embeddings"] = "no" }, "tie_word_embeddings", nil},
		{"rope_parameters not an object", func(m map[string]any) { m["rope_parameters"] = 1 }, "rope_parameters", nil},
		{"no context length", func(m map[string]any) { delete(m, "max_position_embeddings") }, "max_position_embeddings", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tinyConfig(t)
			tt.edit(m)
			b, err := json.Marshal(m)
			require.NoError(t, err)
			_, err = parseHFConfig(hfConfigName, b)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, tt.field, ce.Field, err.Error())
			assert.Equal(t, hfConfigName, ce.File)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestParseConsolidatedParams(t *testing.T) {
	js := `{"dim": 128, "n_layers": 4, "head_dim": 32, "hidden_dim": 384, "n_heads": 4, "n_kv_heads": 2,
		"norm_eps": 1e-05, "sliding_window": 128, "vocab_size": 32000, "rope_theta": 10000.0, "max_seq_len": 4096}`
	p, notes, err := parseConsolidatedParams(consolidatedParamsName, []byte(js))
	require.NoError(t, err)
	assert.Equal(t, tinyParams, p)
	assert.Empty(t, notes)

	// Mistral 7B v0.3's params.json: no window, no context length.
	js = `{"dim": 4096, "n_layers": 32, "head_dim": 128, "hidden_dim": 14336, "n_heads": 32, "n_kv_heads": 8,
		"norm_eps": 1e-05, "vocab_size": 32768, "rope_theta": 1000000.0}`
	p, notes, err = parseConsolidatedParams(consolidatedParamsName, []byte(js))
	require.NoError(t, err)
	assert.Equal(t, arch.Params{ContextLength: DefaultContextLength, Dim: 4096, Layers: 32, FFN: 14336,
		Heads: 32, KVHeads: 8, HeadDim: 128, RopeDims: 128, NormEps: 1e-5, RopeBase: 1e6, Vocab: 32768}, p)
	assert.Len(t, notes, 1)

	// No rope_theta: mistral-inference's default.
	p, notes, err = parseConsolidatedParams(consolidatedParamsName, []byte(`{"dim": 128, "n_layers": 1, "hidden_dim": 8,
		"n_heads": 4, "n_kv_heads": 4, "norm_eps": 1e-6, "vocab_size": 10, "max_seq_len": 64}`))
	require.NoError(t, err)
	assert.Equal(t, 1e6, p.RopeBase)
	assert.Equal(t, 32, p.HeadDim)
	assert.Len(t, notes, 1)

	_, _, err = parseConsolidatedParams(consolidatedParamsName, []byte(`[]`))
	assert.ErrorContains(t, err, "not a JSON object")
	_, _, err = parseConsolidatedParams(consolidatedParamsName, []byte(`null`))
	assert.ErrorContains(t, err, "not a JSON object")
}

func FuzzParseConfig(f *testing.F) {
	for _, p := range []string{filepath.Join(tinyV1, hfConfigName), filepath.Join(sharedData, "tiny-mistral-v3", hfConfigName),
		filepath.Join(sharedData, "tiny-mistral-v1-consolidated", consolidatedParamsName)} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"model_type":"mistral","rope_scaling":{"type":"linear"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (arch.Params, error){
			func(b []byte) (arch.Params, error) { return parseHFConfig("config.json", b) },
			func(b []byte) (arch.Params, error) {
				p, _, err := parseConsolidatedParams("params.json", b)
				return p, err
			},
		} {
			p, err := parse(b)
			if err != nil {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v is not a *ConfigError", err)
				}
				continue
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("accepted parameters fail validation: %v", err)
			}
			if p.HeadDim*p.Heads != p.Dim || p.Heads%p.KVHeads != 0 || p.HeadDim%2 != 0 {
				t.Fatalf("accepted inconsistent parameters %+v", p)
			}
		}
	})
}
