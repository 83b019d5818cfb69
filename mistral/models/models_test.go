package models

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTinyPathHoldsTheShippedModel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	path, err := TinyPath()
	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	want, err := os.ReadFile(TinyName)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	again, err := TinyPath()
	require.NoError(t, err)
	assert.Equal(t, path, again)
}
