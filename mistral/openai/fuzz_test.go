package openai

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral/tokenizer"

	"github.com/stretchr/testify/require"
)

// FuzzChat checks that any request body is converted and encoded or
// rejected with a typed error, never a panic.
func FuzzChat(f *testing.F) {
	samples, err := filepath.Glob(testref.Testdata("mistral-common", "*", "sample.json"))
	require.NoError(f, err)
	for _, s := range samples {
		data, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}], "tool_choice": {"function": {"name": "f"}}}`))
	tok, err := tokenizer.LoadSentencePiece(testref.Testdata("tokenizer", "mistral-v3.model"))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, body []byte) {
		var r ChatCompletionRequest
		if json.Unmarshal(body, &r) != nil {
			return
		}
		c, err := r.Chat()
		if err != nil {
			var re *RequestError
			var ce *tokenizer.ToolChoiceError
			require.True(t, errors.As(err, &re) || errors.As(err, &ce), "%v", err)
			return
		}
		ids, err := tok.EncodeChat(c.Messages, tokenizer.ChatOptions{Tools: c.Tools})
		if err != nil {
			var ce *tokenizer.ChatError
			var te *tokenizer.ToolError
			require.True(t, errors.As(err, &ce) || errors.As(err, &te), "%v", err)
			return
		}
		require.Equal(t, tok.BOS(), ids[0])
	})
}
