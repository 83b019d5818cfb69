package grammar

import (
	"flag"
	"sync"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/gomistral/gomistral/mistral/tokenizer"
	"github.com/stretchr/testify/require"
)

// long asks for many more random walks: go test -run Walks -long.
var long = flag.Bool("long", false, "run many more random walks")

// walkCount returns how many random walks a test makes.
func walkCount(normal int) int {
	switch {
	case *long:
		return 40 * normal
	case testing.Short():
		return max(normal/3, 1)
	}
	return normal
}

// byteVocab returns the 256 single bytes as tokens 0 to 255, then extra.
func byteVocab(extra ...string) listVocab {
	v := make(listVocab, 256, 256+len(extra))
	for i := range v {
		v[i] = string([]byte{byte(i)})
	}
	return append(v, extra...)
}

var mistralModel = testref.Testdata("tokenizer", "mistral-v1.model")

var mistral struct {
	once sync.Once
	tok  *tokenizer.Tokenizer
	toks *Tokens
	err  error
}

// mistralTokens returns the prepared vocabulary of Mistral 7B v0.1.
func mistralTokens(tb testing.TB) (*tokenizer.Tokenizer, *Tokens) {
	tb.Helper()
	mistral.once.Do(func() {
		mistral.tok, mistral.err = tokenizer.LoadSentencePiece(mistralModel)
		if mistral.err == nil {
			mistral.toks = FromTokenizer(mistral.tok)
		}
	})
	require.NoError(tb, mistral.err)
	return mistral.tok, mistral.toks
}

// tokEncodeOptions encodes text as a prompt's continuation: with the
// dummy-prefix space, no BOS.
var tokEncodeOptions = tokenizer.EncodeOptions{}
