package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/require"
)

// testdata is the repository's testdata directory.
var testdata = testref.Testdata()

// sharedTestdata holds the larger reference files, outside the repository.
var sharedTestdata = testref.SharedDir()

type vectorCase struct {
	Text    string   `json:"text"`
	IDs     []int32  `json:"ids"`
	Pieces  []string `json:"pieces"`
	Decoded string   `json:"decoded"`
}

type chatCase struct {
	System string `json:"system"`
	Turns  []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"turns"`
	IDs []int32 `json:"ids"`
}

type vectorFile struct {
	V1 struct {
		Cases []vectorCase `json:"cases"`
		Chat  []chatCase   `json:"chat_v1_format"`
	} `json:"mistral-v1"`
	V3 struct {
		Cases []vectorCase `json:"cases"`
	} `json:"mistral-v3"`
	WarAndPeace struct {
		NTokens int     `json:"n_tokens"`
		IDs     []int32 `json:"ids"`
	} `json:"war_and_peace_first_200000_chars_v1"`
}

var loadVectors = sync.OnceValues(func() (*vectorFile, error) {
	data, err := os.ReadFile(filepath.Join(testdata, "tokenizer", "vectors.json"))
	if err != nil {
		return nil, err
	}
	v := new(vectorFile)
	return v, json.Unmarshal(data, v)
})

func vectors(t testing.TB) *vectorFile {
	t.Helper()
	v, err := loadVectors()
	require.NoError(t, err)
	return v
}

var (
	loadV1 = sync.OnceValues(func() (*Tokenizer, error) {
		return LoadSentencePiece(filepath.Join(testdata, "tokenizer", "mistral-v1.model"))
	})
	loadV3 = sync.OnceValues(func() (*Tokenizer, error) {
		return LoadSentencePiece(filepath.Join(testdata, "tokenizer", "mistral-v3.model"))
	})
)

// v1 returns the tokenizer of mistral-v1.model.
func v1(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := loadV1()
	require.NoError(t, err)
	return tok
}

// v3 returns the tokenizer of mistral-v3.model.
func v3(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := loadV3()
	require.NoError(t, err)
	return tok
}

// warAndPeace returns the reference ids of the first 200,000 characters of
// War and Peace and the text, decoded from them.
func warAndPeace(t testing.TB) ([]int32, string) {
	t.Helper()
	v := vectors(t)
	text, err := v1(t).Decode(v.WarAndPeace.IDs)
	require.NoError(t, err)
	return v.WarAndPeace.IDs, text
}
