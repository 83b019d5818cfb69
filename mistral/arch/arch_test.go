package arch

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// tinyV1 are the hyper-parameters of tiny-mistral-v1 as its README gives
// them (testdata/README.md of the shared reference data).
var tinyV1 = Params{
	Architecture: "llama", Name: "tiny-mistral",
	Vocab: 32000, Dim: 128, Layers: 4, Heads: 4, KVHeads: 2, HeadDim: 32, FFN: 384, RopeDims: 32,
	RopeBase: 10000, NormEps: eps, ContextLength: 4096, Window: 128, WindowSource: WindowFile,
}

// eps is 1e-5 as GGUF stores it, in a float32.
const eps = float64(float32(1e-5))

// openTiny opens the GGUF file made by a reference converter that ships
// with the repository.
func openTiny(t *testing.T) *gguf.Mapped {
	t.Helper()
	m, err := gguf.Open(testref.TinyModel())
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func TestReadGGUFReference(t *testing.T) {
	p, err := ReadGGUF(openTiny(t).File)
	require.NoError(t, err)
	assert.Equal(t, tinyV1, p)

	// tiny-mistral-v3, quantised by llama.cpp (its tensors in another order).
	path := testref.Shared(t, "tiny-mistral-v3", "tiny-mistral-v3-Q4_0.gguf")
	m, err := gguf.Open(path)
	require.NoError(t, err)
	defer m.Close()
	p, err = ReadGGUF(m.File)
	require.NoError(t, err)
	assert.Equal(t, Params{Architecture: "llama", Name: "tiny-mistral", Vocab: 32768, Dim: 256, Layers: 4, Heads: 8,
		KVHeads: 2, HeadDim: 32, FFN: 768, RopeDims: 32, RopeBase: 1e6, NormEps: eps, ContextLength: 4096,
		Window: 96, WindowSource: WindowFile}, p)
	for _, want := range Tensors(p) {
		got, ok := m.Tensor(want.Name)
		if assert.True(t, ok, want.Name) {
			assert.Equal(t, want.Shape, got.Shape, want.Name)
		}
	}
	assert.Len(t, m.Tensors, TensorCount(p.Layers))
}

// TestTensorsMatchReference checks the table against the files made
// outside the project: the reference converter's GGUF (names, shapes and
// order), the Hugging Face shards it was made from, and the consolidated
// release layout.
func TestTensorsMatchReference(t *testing.T) {
	ref := openTiny(t)
	ts := Tensors(tinyV1)
	require.Len(t, ts, len(ref.Tensors))
	for i, want := range ref.Tensors {
		assert.Equal(t, want.Name, ts[i].Name, "tensor %d", i)
		assert.Equal(t, want.Shape, ts[i].Shape, want.Name)
		role, layer := RoleOf(want.Name)
		assert.Equal(t, ts[i].Role, role, want.Name)
		assert.Equal(t, ts[i].Layer, layer, want.Name)
		assert.Equal(t, role.Norm(), want.Type == gguf.TypeF32, "%s: the norms, and only they, are F32", want.Name)
	}

	hf, err := safetensors.OpenDir(testref.Testdata("tiny-mistral-v1"))
	require.NoError(t, err)
	defer hf.Close()
	assertSourceNames(t, hf, FormatHuggingFace, ts)

	dir := testref.Shared(t, "tiny-mistral-v1-consolidated")
	cons, err := safetensors.OpenFiles(filepath.Join(dir, "consolidated.safetensors"))
	require.NoError(t, err)
	defer cons.Close()
	assertSourceNames(t, cons, FormatConsolidated, ts)
}

// assertSourceNames checks that the set holds exactly the tensors ts under
// their names in format f, with their shapes reversed (PyTorch order).
func assertSourceNames(t *testing.T, set *safetensors.Set, f Format, ts []Tensor) {
	t.Helper()
	assert.Len(t, set.Tensors(), len(ts))
	for _, want := range ts {
		got, ok := set.Tensor(want.SourceName(f))
		role, layer := RoleOfSource(f, got.Name)
		assert.Equal(t, want.Role, role, got.Name)
		assert.Equal(t, want.Layer, layer, got.Name)
		if assert.True(t, ok, "%s: no %s", want.Name, want.SourceName(f)) {
			shape := slices.Clone(want.Shape)
			slices.Reverse(shape)
			assert.Equal(t, shape, got.Shape, want.SourceName(f))
		}
	}
}

func TestKVRoundTrip(t *testing.T) {
	ref := openTiny(t)
	kv := tinyV1.KV()
	// Every key written is the reference converter's, with its value and
	// type, but llama.vocab_size, which it does not write.
	for _, e := range kv {
		want, ok := ref.Lookup(e.Key)
		if e.Key == "llama.vocab_size" {
			assert.False(t, ok)
			assert.Equal(t, gguf.Uint32(32000), e.Value)
			continue
		}
		if assert.True(t, ok, e.Key) {
			assert.Equal(t, want, e.Value, e.Key)
		}
	}
	for _, want := range ref.KV {
		if strings.HasPrefix(want.Key, "tokenizer.") {
			continue
		}
		if !slices.ContainsFunc(kv, func(e gguf.KV) bool { return e.Key == want.Key }) {
			assert.Contains(t, []string{"general.file_type", "general.quantization_version"}, want.Key, "a key of the reference is not written")
			assert.NotContains(t, want.Key, "llama.", "an architecture key is not written")
		}
	}

	// A head width other than Dim/Heads is written, and read back.
	p := tinyV1
	p.Architecture, p.HeadDim, p.RopeDims, p.Window, p.WindowSource = "mistral", 64, 64, 0, WindowNone
	f := &gguf.File{KV: p.KV(), Tensors: ref.Tensors}
	got, err := ReadGGUF(f)
	require.NoError(t, err)
	assert.Equal(t, p, got)
	assert.Equal(t, gguf.Uint32(64), keyValue(f, "mistral.attention.value_length"))
	assert.Nil(t, keyValue(f, "mistral.attention.sliding_window"))
}

func keyValue(f *gguf.File, key string) any {
	if v, ok := f.Lookup(key); ok {
		return v
	}
	return nil
}

func TestReadGGUFErrors(t *testing.T) {
	ref := openTiny(t)
	withKV := func(key string, v *gguf.Value) *gguf.File {
		f := *ref.File
		f.KV = slices.DeleteFunc(slices.Clone(f.KV), func(e gguf.KV) bool { return e.Key == key })
		if v != nil {
			f.KV = append(f.KV, gguf.KV{Key: key, Value: *v})
		}
		return &f
	}
	set := func(key string, v gguf.Value) *gguf.File { return withKV(key, &v) }
	drop := func(key string) *gguf.File { return withKV(key, nil) }
	noTensor := func(name string) *gguf.File {
		f := *ref.File
		f.Tensors = slices.DeleteFunc(slices.Clone(f.Tensors), func(ti gguf.TensorInfo) bool { return ti.Name == name })
		return &f
	}
	for _, tt := range []struct {
		name string
		f    *gguf.File
		want string
		is   error
	}{
		{"no architecture", drop("general.architecture"), "general.architecture: missing", nil},
		{"architecture not a string", set("general.architecture", gguf.Uint32(1)), "general.architecture: uint32 1 is not a string", nil},
		{"other architecture", set("general.architecture", gguf.String("gpt2")), `general.architecture: "gpt2" (want llama or mistral)`, ErrArchitecture},
		{"no embedding", noTensor("token_embd.weight"), "no tensor token_embd.weight", nil},
		{"missing width", drop("llama.embedding_length"), "llama.embedding_length: missing", nil},
		{"zero layers", set("llama.block_count", gguf.Uint32(0)), "llama.block_count: 0 is not positive", nil},
		{"billion layers", set("llama.block_count", gguf.Uint32(1e9)), "llama.block_count: 1000000000 is too large (at most 1024)", nil},
		{"negative layers", set("llama.block_count", gguf.Int32(-3)), "llama.block_count: -3 is not positive", nil},
		{"layers as a string", set("llama.block_count", gguf.String("4")), `llama.block_count: string "4" is not an integer`, nil},
		{"heads do not divide", set("llama.attention.head_count", gguf.Uint32(6)), "llama.attention.head_count: 6 heads do not divide the embedding length 128", nil},
		{"more heads than width", set("llama.attention.head_count", gguf.Uint32(256)), "llama.attention.head_count: 256 is too large (at most 128)", nil},
		{"kv heads do not divide", set("llama.attention.head_count_kv", gguf.Uint32(3)), "llama.attention.head_count_kv: 3 key/value heads do not divide the 4 query heads", nil},
		{"odd head width", set("llama.attention.key_length", gguf.Uint32(33)), "llama.attention.key_length: 33 is odd", nil},
		{"value width differs", set("llama.attention.value_length", gguf.Uint32(64)), "llama.attention.value_length: 64 differs from the key width 32", nil},
		{"odd RoPE", set("llama.rope.dimension_count", gguf.Uint32(31)), "llama.rope.dimension_count: RoPE over 31 dimensions", nil},
		{"epsilon", set("llama.attention.layer_norm_rms_epsilon", gguf.Float32(-1)), "llama.attention.layer_norm_rms_epsilon: -1 is not a number between 0 and 1", nil},
		{"epsilon missing", drop("llama.attention.layer_norm_rms_epsilon"), "llama.attention.layer_norm_rms_epsilon: missing", nil},
		{"epsilon an integer", set("llama.attention.layer_norm_rms_epsilon", gguf.Uint32(0)), "llama.attention.layer_norm_rms_epsilon: uint32 0 is not a float", nil},
		{"RoPE base", set("llama.rope.freq_base", gguf.Float64(0.5)), "llama.rope.freq_base: 0.5 is not a finite number above 1", nil},
		{"zero window", set("llama.attention.sliding_window", gguf.Uint32(0)), "llama.attention.sliding_window: 0 is not positive", nil},
		{"huge window", set("llama.attention.sliding_window", gguf.Uint64(1<<40)), "llama.attention.sliding_window: 1099511627776 is too large", nil},
		{"vocabulary disagrees", set("llama.vocab_size", gguf.Uint32(32001)), "llama.vocab_size: 32001, but token_embd.weight has 32000 rows", nil},
		{"RoPE scaling", set("llama.rope.scaling.type", gguf.String("linear")), `llama.rope.scaling.type: RoPE scaling "linear" is not supported`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadGGUF(tt.f)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			} else {
				assert.NotErrorIs(t, err, ErrArchitecture)
			}
		})
	}

	// Defaults of the optional keys: full attention without a window, the
	// head width from the heads, context 4096, theta 10,000.
	f := drop("llama.attention.sliding_window")
	for _, k := range []string{"llama.attention.head_count_kv", "llama.rope.dimension_count", "llama.context_length", "llama.rope.freq_base"} {
		f.KV = slices.DeleteFunc(f.KV, func(e gguf.KV) bool { return e.Key == k })
	}
	p, err := ReadGGUF(f)
	require.NoError(t, err)
	want := tinyV1
	want.Window, want.WindowSource, want.KVHeads = 0, WindowNone, 4
	assert.Equal(t, want, p)

	tied, err := ReadGGUF(noTensor("output.weight"))
	require.NoError(t, err)
	assert.True(t, tied.TiedEmbeddings)
}

// mapSource is a Source over a map, as a configuration file gives values.
type mapSource map[string]float64

func (m mapSource) Int(name string) (int64, bool, error) {
	v, ok := m[name]
	return int64(v), ok, nil
}

func (m mapSource) Float(name string) (float64, bool, error) {
	v, ok := m[name]
	return v, ok, nil
}

func TestDecodeFormats(t *testing.T) {
	// Mistral 7B v0.3's params.json: no window, no context length, so the
	// consolidated layout's defaults.
	var p Params
	defaulted, err := Decode(FormatConsolidated, mapSource{"dim": 4096, "n_layers": 32, "head_dim": 128, "hidden_dim": 14336,
		"n_heads": 32, "n_kv_heads": 8, "norm_eps": 1e-5, "vocab_size": 32768, "rope_theta": 1e6}, &p)
	require.NoError(t, err)
	assert.Equal(t, Params{Vocab: 32768, Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8, HeadDim: 128, FFN: 14336,
		RopeDims: 128, RopeBase: 1e6, NormEps: 1e-5, ContextLength: 32768}, p)
	assert.Equal(t, []string{"max_seq_len", "sliding_window"}, defaulted)
	assert.NoError(t, p.Validate())

	// Mistral 7B v0.1's config.json, whose RoPE base is transformers'.
	p = Params{}
	_, err = Decode(FormatHuggingFace, mapSource{"hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 14336,
		"num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 32768, "rms_norm_eps": 1e-5,
		"sliding_window": 4096, "vocab_size": 32000}, &p)
	require.NoError(t, err)
	assert.True(t, p.IsMistral7Bv01())
	assert.Equal(t, WindowFile, p.WindowSource)

	_, err = Decode(FormatHuggingFace, mapSource{"hidden_size": 4096}, &Params{})
	assert.EqualError(t, err, "max_position_embeddings: missing")
	_, err = Decode(FormatConsolidated, mapSource{"dim": 12, "n_layers": 1, "hidden_dim": 8, "n_heads": 5, "n_kv_heads": 5,
		"norm_eps": 1e-5, "vocab_size": 10}, &Params{})
	assert.EqualError(t, err, "n_heads: 5 heads do not divide the embedding length 12")
}

func TestValidate(t *testing.T) {
	require.NoError(t, tinyV1.Validate())
	for _, edit := range []func(p *Params){
		func(p *Params) { p.Vocab = 0 },
		func(p *Params) { p.Layers = MaxLayers + 1 },
		func(p *Params) { p.HeadDim = 31 },
		func(p *Params) { p.RopeDims = 64 },
		func(p *Params) { p.KVHeads = 3 },
		func(p *Params) { p.Window = -1 },
		func(p *Params) { p.NormEps = 0 },
	} {
		p := tinyV1
		edit(&p)
		var pe *ParamError
		assert.ErrorAs(t, p.Validate(), &pe, "%+v", p)
	}
	p := tinyV1
	p.Window = 0
	assert.NoError(t, p.Validate(), "no window")
}

func TestRoleOf(t *testing.T) {
	for name, want := range map[string]struct {
		role  Role
		layer int
	}{
		"token_embd.weight":         {TokenEmbd, -1},
		"output.weight":             {Output, -1},
		"output_norm.weight":        {OutputNorm, -1},
		"blk.12.attn_v.weight":      {AttnV, 12},
		"blk.0.ffn_down.weight":     {FFNDown, 0},
		"blk.3.attn_norm.weight":    {AttnNorm, 3},
		"blk.x.attn_v.weight":       {0, -1},
		"blk.-1.attn_v.weight":      {0, -1},
		"blk.01.attn_v.weight":      {0, -1},
		"blk.2.attn_v.bias":         {0, 2},
		"blk.2.attn_output.weight":  {AttnOutput, 2},
		"blk.2.ffn_gate_inp.weight": {0, 2},
		"blk.2":                     {0, -1},
		"token_embd":                {0, -1},
	} {
		role, layer := RoleOf(name)
		assert.Equal(t, want.role, role, name)
		assert.Equal(t, want.layer, layer, name)
	}
	for r := TokenEmbd; r < roleEnd; r++ {
		got, layer := RoleOf(r.Name(7))
		assert.Equal(t, r, got)
		assert.Equal(t, map[bool]int{true: 7, false: -1}[r.PerLayer()], layer)
	}
	for _, f := range []Format{FormatHuggingFace, FormatConsolidated} {
		for _, name := range []string{"model.layers.01.mlp.up_proj.weight", "layers.-1.attention.wq.weight", "model.layers.x.mlp.up_proj.weight",
			"model.layers.3.mlp.up_proj.bias", "model.rotary_emb.inv_freq", "", "lm_head", "5.mlp.up_proj.weight", "5.feed_forward.w3.weight"} {
			role, layer := RoleOfSource(f, name)
			assert.Equal(t, Role(0), role, name)
			assert.Equal(t, -1, layer, name)
		}
	}
	role, layer := RoleOfSource(FormatGGUF, "blk.2.attn_v.bias")
	assert.Equal(t, Role(0), role)
	assert.Equal(t, -1, layer)
	assert.Equal(t, "Role(0)", Role(0).String())
	assert.False(t, Role(0).Norm())
}

func TestWindowSourceText(t *testing.T) {
	for _, w := range []WindowSource{WindowNone, WindowFile, WindowConfig, WindowRecognised} {
		b, err := w.MarshalText()
		require.NoError(t, err)
		var back WindowSource
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, w, back)
	}
	// The names are logged and printed: they stay.
	assert.Equal(t, "none file config recognised",
		WindowNone.String()+" "+WindowFile.String()+" "+WindowConfig.String()+" "+WindowRecognised.String())
	var w WindowSource
	assert.Error(t, w.UnmarshalText([]byte("guessed")))
	_, err := WindowSource(9).MarshalText()
	assert.Error(t, err)
	assert.Equal(t, "WindowSource(9)", WindowSource(9).String())
}

func TestHyperParamsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, h := range HyperParams() {
		name := h.Name(FormatGGUF)
		require.NotEmpty(t, name, "every parameter has a GGUF key")
		assert.False(t, seen[name], "%s twice", name)
		seen[name] = true
		assert.Equal(t, h.floats != nil, h.Float())
		assert.True(t, (h.ints == nil) != (h.floats == nil), name)
	}
	assert.Equal(t, []string{"vocab_size"}, namesOf(ExtentVocab.Params(), FormatHuggingFace))
	assert.Equal(t, "num_key_value_heads × head_dim = 2 × 32", ExtentKV.Describe(FormatHuggingFace, tinyV1))
	assert.Equal(t, "hidden_dim = 384", ExtentFFN.Describe(FormatConsolidated, tinyV1))
	assert.Equal(t, []string{"n_heads", "head_dim"}, namesOf(ExtentQ.Params(), FormatConsolidated))
}

func namesOf(hs []*HyperParam, f Format) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Name(f))
	}
	return out
}
