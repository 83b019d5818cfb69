package tokenizer

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

// smallModel returns a small valid BPE model with byte fallback: <unk>,
// <s>, </s>, the 256 byte pieces and a few pieces that spell "▁hello".
func smallModel() *testModel {
	m := &testModel{
		pieces: []testPiece{{"<unk>", 0, Unknown}, {"<s>", 0, Control}, {"</s>", 0, Control}},
		trainer: map[protowire.Number]any{
			trainerModelType:    uint64(modelTypeBPE),
			trainerByteFallback: true,
		},
		normalizer: map[protowire.Number]any{normalizerRemoveExtraWhitespaces: false},
	}
	for b := range 256 {
		m.pieces = append(m.pieces, testPiece{fmt.Sprintf("<0x%02X>", b), 0, Byte})
	}
	for i, p := range []string{"▁h", "ll", "▁he", "llo", "▁hello", "▁", "h", "e", "l", "o"} {
		m.pieces = append(m.pieces, testPiece{p, -float32(i), Normal})
	}
	return m
}

func TestSmallModel(t *testing.T) {
	tok, err := FromSentencePiece(smallModel().bytes())
	require.NoError(t, err)
	ids, err := tok.Encode("hello hi", EncodeOptions{})
	require.NoError(t, err)
	pieces := make([]string, len(ids))
	for i, id := range ids {
		pieces[i] = tok.Piece(id)
	}
	assert.Equal(t, []string{"▁hello", "▁h", "<0x69>"}, pieces)
}

func TestFromSentencePieceErrors(t *testing.T) {
	type edit func(m *testModel)
	setPiece := func(i int, p testPiece) edit { return func(m *testModel) { m.pieces[i] = p } }
	tests := []struct {
		name        string
		edit        edit
		want        string
		unsupported bool
	}{
		{"empty vocabulary", func(m *testModel) { m.pieces = nil }, "empty vocabulary", false},
		{"duplicate piece", setPiece(268, testPiece{"▁h", 0, Normal}), `pieces 259 and 268 are both "▁h"`, false},
		{"lower-case byte piece", setPiece(13, testPiece{"<0x0a>", 0, Byte}), "not of the form <0xNN>", false},
		{"byte piece of another form", setPiece(13, testPiece{"\n", 0, Byte}), "not of the form <0xNN>", false},
		{"missing byte piece", setPiece(13, testPiece{"x", 0, Normal}), "no byte piece <0x0A>", false},
		{"byte piece without byte fallback", func(m *testModel) { m.trainer[trainerByteFallback] = false }, "byte fallback is off", false},
		{"no unknown piece", setPiece(0, testPiece{"<unk>", 0, Control}), "no piece of type unknown", false},
		{"two unknown pieces", setPiece(1, testPiece{"<s>", 0, Unknown}), "both of type unknown", false},
		{"unknown type", setPiece(260, testPiece{"ll", 0, 9}), "piece 260 has unknown type 9", false},
		{"type zero", setPiece(260, testPiece{"ll", 0, 0}), "unknown type 0", false},
		{"empty piece", setPiece(260, testPiece{"", 0, Normal}), "piece 260 is empty", false},
		{"NUL in piece", setPiece(260, testPiece{"l\x00", 0, Normal}), "NUL", false},
		{"invalid UTF-8 piece", setPiece(260, testPiece{"l\xff", 0, Normal}), "not valid UTF-8", false},
		{"NaN score", setPiece(260, testPiece{"ll", float32(math.NaN()), Normal}), "score NaN", false},
		{"no BOS", setPiece(1, testPiece{"<s>", 0, Normal}), `no control piece "<s>" for BOS`, false},
		{"no EOS", func(m *testModel) { m.trainer[trainerEOSPiece] = "<eos>" }, `no control piece "<eos>" for EOS`, false},
		{"unigram", func(m *testModel) { m.trainer[trainerModelType] = uint64(modelTypeUnigram) }, "model type UNIGRAM", true},
		{"default model type", func(m *testModel) { delete(m.trainer, trainerModelType) }, "model type UNIGRAM", true},
		{"odd model type", func(m *testModel) { m.trainer[trainerModelType] = uint64(77) }, "model type 77", true},
		{"charsmap", func(m *testModel) { m.normalizer[normalizerCharsmap] = "\x01\x02" }, "precompiled charsmap", true},
		{"whitespace as suffix", func(m *testModel) { m.trainer[trainerTreatWhitespaceAsSuffix] = true }, "treat_whitespace_as_suffix", true},
		{"wire type", func(m *testModel) { m.trainer[trainerByteFallback] = "yes" }, "TrainerSpec field 35 at byte", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := smallModel()
			tt.edit(m)
			_, err := FromSentencePiece(m.bytes())
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "tokenizer.model", fe.Source)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.unsupported, fe.Err == ErrUnsupported, err.Error())
		})
	}
}

func TestFromSentencePieceMalformed(t *testing.T) {
	good := smallModel().bytes()
	for _, data := range [][]byte{
		good[:len(good)-1],                    // truncated
		{0x0a, 0x80},                          // length prefix cut short
		{0x0a, 0x05, 0x0a, 0x01},              // piece shorter than its length
		{0x08},                                // a varint field with no value
		{0x0f},                                // wire type 7
		{0x0a, 0x02, 0x18, 0x01, 0x0a},        // piece of type 1 then garbage
		append([]byte{0x12, 0x02, 0x18}, 0x0), // trainer spec field 3 as varint 0 cut
	} {
		_, err := FromSentencePiece(data)
		var fe *FormatError
		assert.ErrorAs(t, err, &fe, "%x", data)
	}
	_, err := FromSentencePiece(nil)
	assert.ErrorIs(t, err, ErrUnsupported, "an empty file is a Unigram model, by default")
	_, err = LoadSentencePiece("testdata/no-such.model")
	assert.Error(t, err)
}

// ggufVocab returns GGUF metadata for the small model.
func ggufVocab() map[string]gguf.Value {
	m := smallModel()
	var tokens []string
	var scores []float32
	var types []int32
	for _, p := range m.pieces {
		tokens = append(tokens, p.piece)
		scores = append(scores, p.score)
		types = append(types, int32(p.typ))
	}
	return map[string]gguf.Value{
		keyModel:     gguf.String("llama"),
		keyTokens:    gguf.Strings(tokens),
		keyScores:    gguf.Float32s(scores),
		keyTokenType: gguf.Int32s(types),
		keyBOS:       gguf.Uint32(1),
		keyEOS:       gguf.Uint32(2),
		keyUnknown:   gguf.Uint32(0),
		keyAddBOS:    gguf.Bool(true),
		keyAddEOS:    gguf.Bool(false),
	}
}

func ggufFile(kv map[string]gguf.Value) *gguf.File {
	f := &gguf.File{Version: 3}
	for k, v := range kv {
		f.KV = append(f.KV, gguf.KV{Key: k, Value: v})
	}
	return f
}

func TestFromGGUFSmall(t *testing.T) {
	kv := ggufVocab()
	kv[keyAddEOS] = gguf.Bool(true)
	kv[keyBOS] = gguf.Int32(2) // any integer type will do
	tok, err := FromGGUF(ggufFile(kv))
	require.NoError(t, err)
	assert.True(t, tok.AddEOS())
	assert.Equal(t, int32(2), tok.BOS())

	// Without the optional keys: <s> and </s> by piece, the default flags.
	for _, k := range []string{keyBOS, keyEOS, keyUnknown, keyAddBOS, keyAddEOS} {
		delete(kv, k)
	}
	tok, err = FromGGUF(ggufFile(kv))
	require.NoError(t, err)
	assert.Equal(t, []int32{1, 2, 0}, []int32{tok.BOS(), tok.EOS(), tok.Unknown()})
	assert.True(t, tok.AddBOS())
	assert.False(t, tok.AddEOS())

	kv[keyAddSpacePrefix] = gguf.Bool(false)
	kv[keyRemoveExtraWhitespaces] = gguf.Bool(true)
	tok, err = FromGGUF(ggufFile(kv))
	require.NoError(t, err)
	assert.Equal(t, normalizer{removeExtraWhitespaces: true, escapeWhitespaces: true}, tok.norm)
}

func TestFromGGUFErrors(t *testing.T) {
	tests := []struct {
		name        string
		key         string
		value       *gguf.Value // nil deletes the key
		want        string
		unsupported bool
	}{
		{"no model", keyModel, nil, "no tokenizer.ggml.model", false},
		{"model of another type", keyModel, ptr(gguf.Uint32(1)), "tokenizer.ggml.model is uint32, want string", false},
		{"gpt2 model", keyModel, ptr(gguf.String("gpt2")), `tokenizer.ggml.model is "gpt2"`, true},
		{"no tokens", keyTokens, nil, "no tokenizer.ggml.tokens", false},
		{"tokens of ints", keyTokens, ptr(gguf.Int32s(make([]int32, 269))), "tokenizer.ggml.tokens is array of int32, want array of string", false},
		{"tokens not an array", keyTokens, ptr(gguf.String("a")), "tokenizer.ggml.tokens is string, want array of string", false},
		{"scores of float64", keyScores, ptr(gguf.Float64s(make([]float64, 269))), "want array of float32", false},
		{"token types of uint32", keyTokenType, ptr(gguf.Uint32s(make([]uint32, 269))), "want array of int32", false},
		{"short scores", keyScores, ptr(gguf.Float32s(make([]float32, 10))), "have 269, 10 and 269 elements", false},
		{"short token types", keyTokenType, ptr(gguf.Int32s(make([]int32, 268))), "have 269, 269 and 268 elements", false},
		{"empty vocabulary", keyTokens, ptr(gguf.Strings(nil)), "have 0, 269 and 269 elements", false},
		{"BOS out of range", keyBOS, ptr(gguf.Uint32(269)), "tokenizer.ggml.bos_token_id is 269, out of range [0, 269)", false},
		{"negative EOS", keyEOS, ptr(gguf.Int32(-1)), "tokenizer.ggml.eos_token_id is -1, out of range", false},
		{"BOS a string", keyBOS, ptr(gguf.String("1")), "tokenizer.ggml.bos_token_id is string, want a token id", false},
		{"unknown elsewhere", keyUnknown, ptr(gguf.Uint32(5)), "tokenizer.ggml.unknown_token_id is 5 but the piece of type unknown is 0", false},
		{"add_bos not a bool", keyAddBOS, ptr(gguf.Uint8(1)), "tokenizer.ggml.add_bos_token is uint8, want bool", false},
		{"add_space_prefix not a bool", keyAddSpacePrefix, ptr(gguf.String("no")), "want bool", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := ggufVocab()
			if tt.value == nil {
				delete(kv, tt.key)
			} else {
				kv[tt.key] = *tt.value
			}
			_, err := FromGGUF(ggufFile(kv))
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, "gguf", fe.Source)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.unsupported, fe.Err == ErrUnsupported, err.Error())
		})
	}

	// Vocabulary errors are the same as for a tokenizer.model.
	kv := ggufVocab()
	types, _ := kv[keyTokenType].Int32s()
	types[260] = 7
	_, err := FromGGUF(ggufFile(kv))
	assert.ErrorContains(t, err, `tokenizer: gguf: piece 260 ("ll") has unknown token type 7`)

	kv = ggufVocab()
	tokens, _ := kv[keyTokens].Strings()
	tokens[1] = "<bos>"
	delete(kv, keyBOS)
	_, err = FromGGUF(ggufFile(kv))
	assert.ErrorContains(t, err, `no tokenizer.ggml.bos_token_id and no piece "<s>"`)
}

func ptr[T any](v T) *T { return &v }
