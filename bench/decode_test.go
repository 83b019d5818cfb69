package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeCommand: bench decode, as the README runs it, on the small
// model: a schema extraction and a continuation, each plain and with drafts,
// print one JSON object whose counts agree with one another and whose
// outputs are identical.
func TestDecodeCommand(t *testing.T) {
	for _, schema := range []bool{true, false} {
		args := []string{"decode", "-model", tinyModel, "-text", "results/decode-inputs/person.txt", "-n", "48",
			"-threads", "1", "-rounds", "2", "-json"}
		if schema {
			args = append(args, "-schema", "results/decode-inputs/person.schema.json")
		}
		var out, errOut bytes.Buffer
		require.NoError(t, run(context.Background(), args, &out, &errOut), errOut.String())
		var r decodeResult
		require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
		assert.True(t, r.Identical, "schema %v", schema)
		assert.Positive(t, r.Tokens)
		assert.Len(t, r.PlainRounds, 2)
		assert.Len(t, r.DraftRounds, 2)
		assert.Positive(t, r.PlainTokS)
		assert.Positive(t, r.TokS)
		assert.InDelta(t, r.TokS/r.PlainTokS, r.Speedup, 1e-9)
		assert.Greater(t, r.PassesPerToken, 0.0)
		assert.LessOrEqual(t, r.PassesPerToken, 1.0)
		assert.LessOrEqual(t, r.Kept, r.Drafted)
		if schema {
			assert.Positive(t, r.Kept, "the schema's keys come as drafts")
			assert.Positive(t, r.Partial, "the schema's enums and numbers come from partial logits")
		} else {
			assert.Zero(t, r.Partial, "without a grammar, whole logits")
		}
	}
	// -aa: both runs plain, so nothing is drafted.
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"decode", "-model", tinyModel, "-text", "results/decode-inputs/story.txt",
		"-n", "64", "-threads", "1", "-rounds", "1", "-json", "-aa"}, &out, &errOut), errOut.String())
	var r decodeResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
	assert.True(t, r.AA)
	assert.True(t, r.Identical)
	assert.Zero(t, r.Drafted)
	assert.InDelta(t, 1.0, r.PassesPerToken, 1e-9, "plain: a pass a token")
}
