package tokenizer_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral/openai"
	"github.com/gomistral/gomistral/mistral/tokenizer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mistralCommonSample is one of mistral-common's integration samples: a
// chat completion request and, per instruct tokenizer version, the ids and
// the text (the pieces, control tokens included) mistral-common makes of it.
type mistralCommonSample struct {
	name string
	chat *openai.Chat
	ids  map[int][]int32
	text map[int]string
}

// mistralCommonSamples reads testdata/mistral-common.
func mistralCommonSamples(t *testing.T) []mistralCommonSample {
	t.Helper()
	dir := testref.Testdata("mistral-common")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var samples []mistralCommonSample
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		s := mistralCommonSample{name: e.Name(), ids: map[int][]int32{}, text: map[int]string{}}
		data, err := os.ReadFile(filepath.Join(dir, e.Name(), "sample.json"))
		require.NoError(t, err)
		var req openai.ChatCompletionRequest
		require.NoError(t, json.Unmarshal(data, &req))
		s.chat, err = req.Chat()
		require.NoError(t, err, s.name)
		for _, v := range []int{1, 3} {
			data, err := os.ReadFile(filepath.Join(dir, e.Name(), fmt.Sprintf("tokens_v%d.json", v)))
			if os.IsNotExist(err) {
				continue
			}
			require.NoError(t, err)
			var tokens struct {
				Tokens []int32 `json:"tokens"`
			}
			require.NoError(t, json.Unmarshal(data, &tokens))
			s.ids[v] = tokens.Tokens
			text, err := os.ReadFile(filepath.Join(dir, e.Name(), fmt.Sprintf("text_v%d.txt", v)))
			require.NoError(t, err)
			s.text[v] = string(text)
		}
		samples = append(samples, s)
	}
	require.Len(t, samples, 4)
	return samples
}

// checkSamples encodes the samples of version v with tok and compares with
// mistral-common's ids.
func checkSamples(t *testing.T, tok *tokenizer.Tokenizer, v int) {
	n := 0
	for _, s := range mistralCommonSamples(t) {
		want, ok := s.ids[v]
		if !ok {
			continue
		}
		n++
		t.Run(s.name, func(t *testing.T) {
			ids, err := tok.EncodeChat(s.chat.Messages, tokenizer.ChatOptions{Tools: s.chat.Tools})
			require.NoError(t, err)
			var text strings.Builder
			for _, id := range ids {
				text.WriteString(tok.Piece(id))
			}
			assert.Equal(t, s.text[v], text.String())
			assert.Equal(t, want, ids)

			// The turns cut the same ids by message.
			turns, err := tok.EncodeChatTurns(s.chat.Messages, tokenizer.ChatOptions{Tools: s.chat.Tools})
			require.NoError(t, err)
			require.Len(t, turns, len(s.chat.Messages)+1)
			var joined []int32
			for _, turn := range turns {
				joined = append(joined, turn...)
			}
			assert.Equal(t, want, joined)
		})
	}
	require.NotZero(t, n)
}

func loadModel(t *testing.T, name string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.LoadSentencePiece(testref.Testdata("tokenizer", name))
	require.NoError(t, err)
	return tok
}

// TestMistralCommonSamples checks the instruct formats, tools included,
// against mistral-common's own integration samples, from the
// tokenizer.model files.
func TestMistralCommonSamples(t *testing.T) {
	t.Run("v1", func(t *testing.T) { checkSamples(t, loadModel(t, "mistral-v1.model"), 1) })
	t.Run("v3", func(t *testing.T) { checkSamples(t, loadModel(t, "mistral-v3.model"), 3) })
}

// TestMistralCommonSamplesGGUF checks the samples with tokenizers read from
// GGUF metadata: v1's shipped model; a GGUF written here with the v3
// vocabulary as llama.cpp's converter writes it (user-defined pieces as
// normal ones); and, in the extended test, the v3 GGUFs llama.cpp made.
func TestMistralCommonSamplesGGUF(t *testing.T) {
	t.Run("v1", func(t *testing.T) {
		m, err := gguf.Open(testref.TinyModel())
		require.NoError(t, err)
		defer m.Close()
		tok, err := tokenizer.FromGGUF(m.File)
		require.NoError(t, err)
		checkSamples(t, tok, 1)
	})
	t.Run("v3 written here", func(t *testing.T) {
		path := writeVocabularyGGUF(t, loadModel(t, "mistral-v3.model"))
		m, err := gguf.Open(path)
		require.NoError(t, err)
		defer m.Close()
		tok, err := tokenizer.FromGGUF(m.File)
		require.NoError(t, err)
		checkSamples(t, tok, 3)
	})
	dir := testref.Shared(t, "tiny-mistral-v3")
	for _, q := range []string{"Q4_0", "Q8_0", "Q4_K_M", "Q6_K"} {
		t.Run("v3 "+q, func(t *testing.T) {
			m, err := gguf.Open(filepath.Join(dir, "tiny-mistral-v3-"+q+".gguf"))
			require.NoError(t, err)
			defer m.Close()
			tok, err := tokenizer.FromGGUF(m.File)
			require.NoError(t, err)
			checkSamples(t, tok, 3)
		})
	}
}

// writeVocabularyGGUF writes a GGUF file with no tensors and tok's
// vocabulary in its tokenizer.ggml.* metadata, user-defined pieces written
// as normal ones as llama.cpp's converter does.
func writeVocabularyGGUF(t *testing.T, tok *tokenizer.Tokenizer) string {
	t.Helper()
	n := tok.Len()
	pieces, scores, types := make([]string, n), make([]float32, n), make([]int32, n)
	for id := range int32(n) {
		pieces[id], scores[id], types[id] = tok.Piece(id), tok.Score(id), int32(tok.Type(id))
		if tok.Type(id) == tokenizer.UserDefined {
			types[id] = int32(tokenizer.Normal)
		}
	}
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "tokenizer.ggml.model", Value: gguf.String("llama")},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Strings(pieces)},
		{Key: "tokenizer.ggml.scores", Value: gguf.Float32s(scores)},
		{Key: "tokenizer.ggml.token_type", Value: gguf.Int32s(types)},
		{Key: "tokenizer.ggml.bos_token_id", Value: gguf.Uint32(uint32(tok.BOS()))},
		{Key: "tokenizer.ggml.eos_token_id", Value: gguf.Uint32(uint32(tok.EOS()))},
		{Key: "tokenizer.ggml.unknown_token_id", Value: gguf.Uint32(uint32(tok.Unknown()))},
	}
	path := filepath.Join(t.TempDir(), "vocabulary.gguf")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	w, err := gguf.NewWriter(f, kv, nil, gguf.WriterOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return path
}
