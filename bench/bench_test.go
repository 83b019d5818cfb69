package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tinyModel = testref.TinyModel()

// valText returns the reference text val_400 and its perplexity.
func valText(t *testing.T) (string, float64) {
	_, s := testref.ReadReference(t, testref.Testdata("tiny-mistral-v1")).Sequence(t, "val_400")
	return s.Text, math.Exp(s.MeanNLL)
}

// TestPerplexityMatchesReference: the perplexity of val_400 for the F16 v1
// model equals the reference's exp(mean_nll) within 1%.
func TestPerplexityMatchesReference(t *testing.T) {
	text, want := valText(t)
	path := filepath.Join(t.TempDir(), "val.txt")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"perplexity", "-model", tinyModel, "-file", path, "-threads", "1"}, &out, &errOut))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(last, "perplexity: "), "the last line is %q", last)
	var got float64
	_, err := fmtSscan(strings.TrimPrefix(last, "perplexity: "), &got)
	require.NoError(t, err)
	t.Logf("perplexity %.4f, reference %.4f", got, want)
	assert.InEpsilon(t, want, got, 0.01)
}

// TestKLFromItselfIsZero: a model compared with itself has no divergence.
func TestKLFromItselfIsZero(t *testing.T) {
	text, _ := valText(t)
	r, err := measurePerplexity(context.Background(), tinyModel, tinyModel, text[:600], 32, 1)
	require.NoError(t, err)
	assert.InDelta(t, 0, r.MeanKL, 1e-9)
	assert.Equal(t, 1.0, r.Top1Agreement)
	assert.InDelta(t, r.BasePPL, r.PPL, 1e-9)
	assert.Greater(t, r.Scored, 20)
}

func fmtSscan(s string, v *float64) (int, error) { return fmt.Sscan(s, v) }
