package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeLoad runs the server's load check small, on the shipped model:
// every request not abandoned completes with its prompt's own answer, and
// the goroutines come back to their baseline.
func TestServeLoad(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "-model", tinyModel, "-threads", "1", "-run", "load,cache",
		"-clients", "16", "-requests", "3", "-load-tokens", "8", "-turns", "3", "-turn-tokens", "8", "-rounds", "1", "-json"}, &out, &errOut)
	if !raceEnabled {
		require.NoError(t, err, "%s", errOut.String())
	}
	var r serveResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
	require.NotNil(t, r.Load)
	problems := r.Load.Problems
	if raceEnabled { // the race detector's shadow memory grows
		problems = slices.DeleteFunc(problems, func(p string) bool { return strings.HasPrefix(p, "resident memory") })
	}
	assert.Empty(t, problems)
	assert.Equal(t, 48, r.Load.Requests)
	assert.Equal(t, r.Load.Requests, r.Load.Complete+r.Load.Abandoned)
	assert.Greater(t, r.Load.Abandoned, 0)
	assert.Greater(t, r.Load.Complete, 0)
	assert.LessOrEqual(t, r.Load.GoroutinesAfter, r.Load.GoroutinesBefore+2)
	require.NotNil(t, r.Cache)
	assert.Greater(t, r.Cache.CachedTokens, r.Cache.PromptTokens/2)
}
