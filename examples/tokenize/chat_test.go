package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunChat runs mistral-common's samples through the program: the ids it
// prints are mistral-common's, from tokenizer.model files and GGUFs.
func TestRunChat(t *testing.T) {
	models := map[int][]string{
		1: {v1Model, v1GGUF},
		3: {testref.Testdata("tokenizer", "mistral-v3.model")},
	}
	if dir, ok := testref.SharedPath("tiny-mistral-v3"); ok {
		models[3] = append(models[3], filepath.Join(dir, "tiny-mistral-v3-Q4_K_M.gguf"))
	} else {
		t.Log("extended: no ../shared/testdata/tiny-mistral-v3, the v3 GGUF is left out")
	}
	// Each tokens_vN.json holds mistral-common's ids for the sample.json
	// beside it under the instruct tokenizer of version N.
	files, err := filepath.Glob(testref.Testdata("mistral-common", "*", "tokens_v[13].json"))
	require.NoError(t, err)
	require.Len(t, files, 5)
	n := 0
	for _, file := range files {
		sample := filepath.Join(filepath.Dir(file), "sample.json")
		v := int(file[len(file)-len("1.json")] - '0')
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var want struct {
			Tokens []int32 `json:"tokens"`
		}
		require.NoError(t, json.Unmarshal(data, &want))
		for _, model := range models[v] {
			name := filepath.Base(filepath.Dir(sample)) + " " + filepath.Base(model)
			t.Run(name, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				require.NoError(t, run([]string{"-model", model, "-chat", sample}, strings.NewReader(""), &stdout, &stderr))
				var got []int32
				require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
				assert.Equal(t, want.Tokens, got)
				assert.Empty(t, stderr.String())

				// The same request on standard input.
				request, err := os.ReadFile(sample)
				require.NoError(t, err)
				var again bytes.Buffer
				require.NoError(t, run([]string{"-model", model, "-chat", "-"}, bytes.NewReader(request), &again, &stderr))
				assert.Equal(t, stdout.String(), again.String())
			})
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 6)
}

func TestRunChatErrors(t *testing.T) {
	sample := testref.Testdata("mistral-common", "get_weather_full", "sample.json")
	v3Model := testref.Testdata("tokenizer", "mistral-v3.model")
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"with -text", []string{"-model", v3Model, "-chat", sample, "-text", "x"}, "", "-chat takes neither -text nor -bos"},
		{"with -bos", []string{"-model", v3Model, "-chat", sample, "-bos"}, "", "-chat takes neither -text nor -bos"},
		{"missing request", []string{"-model", v3Model, "-chat", filepath.Join(t.TempDir(), "nope.json")}, "", "no such file"},
		{"not JSON", []string{"-model", v3Model, "-chat", "-"}, "hello", "-: want a chat completion request"},
		{"tools on v1", []string{"-model", v1Model, "-chat", sample}, "", "tokenizer: unsupported: tools: the v1 instruct format has no tool tokens"},
		{"tool result with no call", []string{"-model", v3Model, "-chat", "-"},
			`{"messages": [{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "abcDEF123", "content": "22"}]}`,
			`tokenizer: chat: message 1: tool result for call "abcDEF123"`},
		{"unknown tool choice", []string{"-model", v3Model, "-chat", "-"},
			`{"messages": [{"role": "user", "content": "Hi"}], "tool_choice": "sometimes"}`,
			`tokenizer: tool choice "sometimes": unknown tool choice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, stdout.String(), "nothing on standard output")
		})
	}
}
