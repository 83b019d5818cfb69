package safetensors

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/quant/internal/bounded"
)

func TestLimitsHeader(t *testing.T) {
	three := encodeFile(t, []testTensor{
		{"a", F16, []int64{2}, make([]byte, 4)},
		{"b", F16, []int64{2}, make([]byte, 4)},
		{"c", F16, []int64{2}, make([]byte, 4)},
	}, nil)
	_, err := Limits{MaxTensors: 3}.ReadHeader(bytes.NewReader(three), int64(len(three)))
	require.NoError(t, err)

	_, err = Limits{MaxTensors: 2}.ReadHeader(bytes.NewReader(three), int64(len(three)))
	var fe *FormatError
	require.ErrorAs(t, err, &fe)
	assert.ErrorContains(t, err, "more than 2 tensors, the most expected")

	_, err = Limits{MaxHeaderSize: 20}.ReadHeader(bytes.NewReader(three), int64(len(three)))
	assert.ErrorContains(t, err, "exceeds the limit of 20 bytes")
	assert.Equal(t, int64(MaxHeaderSize), Limits{MaxHeaderSize: 1 << 40}.headerSize(), "never above the format's bound")
}

func TestLimitsSet(t *testing.T) {
	index, _ := tinyIndex(t)
	path := tinyCopy(t, index, shard1, shard2)

	s, err := Limits{MaxTensors: 39}.OpenIndex(context.Background(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	_, err = Limits{MaxTensors: 38}.OpenIndex(context.Background(), path)
	assert.ErrorContains(t, err, IndexName+": weight_map names more than 38 tensors")

	// Without an index, the files together.
	_, err = Limits{MaxTensors: 38}.OpenFiles(context.Background(), filepath.Join(tinyDir, shard1), filepath.Join(tinyDir, shard2))
	assert.ErrorContains(t, err, shard2+": the files hold more than 38 tensors")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Limits{}.OpenDir(ctx, tinyDir)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestIndexBounded(t *testing.T) {
	path := tinyCopy(t, nil)
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Symlink("/dev/zero", path))
	_, err := OpenIndex(path)
	assert.ErrorContains(t, err, "not a regular file")

	require.NoError(t, os.Remove(path))
	require.NoError(t, os.WriteFile(path, make([]byte, MaxIndexSize+1), 0o644))
	_, err = OpenIndex(path)
	assert.True(t, errors.Is(err, bounded.ErrTooLarge), "%v", err)
}
