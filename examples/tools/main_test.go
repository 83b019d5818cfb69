package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// TestToolLoop runs the whole loop on the tiny v3 model (extended): the
// model must call a tool, the program runs it, the model answers.
func TestToolLoop(t *testing.T) {
	model := testref.Shared(t, "tiny-mistral-v3", "tiny-mistral-v3-Q8_0.gguf")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-model", model, "-tool-choice", "required", "-rounds", "1", "-n", "80",
		"-threads", "1", "-q", "What is 6 times 7? And the weather in Paris?"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	log := stderr.String()
	t.Logf("%s-> %s", log, stdout.String())
	assert.Contains(t, log, "call ")
	assert.Contains(t, log, "result ")
	assert.NotContains(t, log, `"error"`, "the calls' arguments are valid for the Go functions")
	assert.True(t, strings.HasSuffix(stdout.String(), "\n"))
}

func TestNeedsModel(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), nil, &stdout, &stderr)
	assert.ErrorContains(t, err, "-model is required")
	err = run(context.Background(), []string{"-model", testref.TinyModel(), "-tool-choice", "required"}, &stdout, &stderr)
	assert.ErrorContains(t, err, "tool tokens", "the shipped model has no tool tokens")
}
