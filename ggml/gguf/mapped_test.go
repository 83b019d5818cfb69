package gguf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpen(t *testing.T) {
	m, err := Open(repoModel)
	require.NoError(t, err)
	st, err := os.Stat(repoModel)
	require.NoError(t, err)
	assert.Len(t, m.Bytes(), int(st.Size()))
	ti, ok := m.Tensor("output_norm.weight")
	require.True(t, ok)
	data := m.TensorData(ti)
	assert.Len(t, data, 128*4)
	assert.Equal(t, int64(len(data)), ti.Bytes())

	assert.Panics(t, func() { m.TensorData(TensorInfo{Name: "x", Type: TypeF32, Shape: []int64{1}, Offset: m.Size}) })
	assert.Panics(t, func() { m.TensorData(TensorInfo{Name: "x", Type: TypeF32, Shape: []int64{1}, Offset: -4}) })
	assert.Panics(t, func() { m.TensorData(TensorInfo{Name: "x", Type: 4, Shape: []int64{1}}) })

	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close is idempotent")
	assert.Panics(t, func() { m.Bytes() })
	assert.Panics(t, func() { m.TensorData(ti) })

	var nilMapped *Mapped
	assert.NoError(t, nilMapped.Close())
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "absent.gguf"))
	assert.ErrorIs(t, err, os.ErrNotExist)

	empty := filepath.Join(dir, "empty.gguf")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	_, err = Open(empty)
	assert.ErrorIs(t, err, ErrTruncated)

	bad := filepath.Join(dir, "bad.gguf")
	require.NoError(t, os.WriteFile(bad, []byte("GGML and more bytes to read"), 0o644))
	_, err = Open(bad)
	var fe *FormatError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, ErrBadMagic)
	assert.Contains(t, err.Error(), bad)

	_, err = Open(dir)
	assert.Error(t, err)
}

// TestRelease drops the mapped pages of a range: the bytes read the same
// afterwards (the pages come back from the file), and a range outside the
// file is a programmer error.
func TestRelease(t *testing.T) {
	m, err := Open(repoModel)
	require.NoError(t, err)
	defer m.Close()
	want, err := os.ReadFile(repoModel)
	require.NoError(t, err)
	n := int64(len(want))
	require.NoError(t, m.Release(0, n))
	require.NoError(t, m.Release(100, 5000))
	require.NoError(t, m.Release(n, 0))
	assert.Equal(t, want, m.Bytes(), "the file reads the same after Release")
	assert.Panics(t, func() { m.Release(1, n) })
	assert.Panics(t, func() { m.Release(-1, 2) })
}
