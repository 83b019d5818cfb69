package safetensors

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	shard1 = "model-00001-of-00002.safetensors"
	shard2 = "model-00002-of-00002.safetensors"
)

// tinyCopy makes a folder with links to the tiny model's shards (those in
// shards) and the given index, and returns the index's path.
func tinyCopy(t *testing.T, index map[string]any, shards ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range shards {
		abs, err := filepath.Abs(filepath.Join(tinyDir, s))
		require.NoError(t, err)
		require.NoError(t, os.Symlink(abs, filepath.Join(dir, s)))
	}
	b, err := json.Marshal(index)
	require.NoError(t, err)
	p := filepath.Join(dir, IndexName)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// tinyIndex returns the tiny model's index, decoded.
func tinyIndex(t *testing.T) (map[string]any, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tinyDir, IndexName))
	require.NoError(t, err)
	var index map[string]any
	require.NoError(t, json.Unmarshal(b, &index))
	return index, index["weight_map"].(map[string]any)
}

func TestOpenDirSharded(t *testing.T) {
	s, err := OpenDir(tinyDir)
	require.NoError(t, err)
	defer s.Close()
	ts := s.Tensors()
	require.Len(t, ts, 39)
	assert.Len(t, s.Files(), 2)
	for i := 1; i < len(ts); i++ {
		assert.Less(t, ts[i-1].Name, ts[i].Name)
	}
	head, ok := s.Tensor("lm_head.weight")
	require.True(t, ok)
	assert.Equal(t, shard2, filepath.Base(head.File().Path))
	assert.Equal(t, []int64{32000, 128}, head.Shape)
	_, ok = s.Tensor("nope")
	assert.False(t, ok)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	assert.NoError(t, (*Set)(nil).Close())
}

func TestOpenDirSingle(t *testing.T) {
	dir := t.TempDir()
	b := encodeFile(t, []testTensor{{"w", F32, []int64{1}, make([]byte, 4)}}, nil)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "consolidated.safetensors"), b, 0o644))
	s, err := OpenDir(dir)
	require.NoError(t, err)
	assert.Len(t, s.Tensors(), 1)
	require.NoError(t, s.Close())

	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.safetensors"), b, 0o644))
	_, err = OpenDir(dir)
	assert.ErrorContains(t, err, "2 *.safetensors files")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors"), b, 0o644))
	s, err = OpenDir(dir)
	require.NoError(t, err, "model.safetensors is preferred")
	require.NoError(t, s.Close())

	_, err = OpenDir(t.TempDir())
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestOpenIndexErrors(t *testing.T) {
	t.Run("missing shard", func(t *testing.T) {
		index, _ := tinyIndex(t)
		_, err := OpenIndex(tinyCopy(t, index, shard1))
		assert.ErrorIs(t, err, fs.ErrNotExist)
		assert.ErrorContains(t, err, `shard "`+shard2+`"`)
	})
	t.Run("tensor missing from shard", func(t *testing.T) {
		index, wm := tinyIndex(t)
		wm["model.layers.4.mlp.up_proj.weight"] = shard1
		_, err := OpenIndex(tinyCopy(t, index, shard1, shard2))
		var fe *FormatError
		require.True(t, errors.As(err, &fe), "%v", err)
		assert.Equal(t, "model.layers.4.mlp.up_proj.weight", fe.Tensor)
		assert.ErrorContains(t, err, "missing from shard "+shard1)
	})
	t.Run("tensor not in index", func(t *testing.T) {
		index, wm := tinyIndex(t)
		delete(wm, "model.norm.weight")
		_, err := OpenIndex(tinyCopy(t, index, shard1, shard2))
		assert.ErrorContains(t, err, `tensor "model.norm.weight": not listed in the index`)
	})
	t.Run("tensor in another shard", func(t *testing.T) {
		index, wm := tinyIndex(t)
		wm["model.norm.weight"] = shard2
		_, err := OpenIndex(tinyCopy(t, index, shard1, shard2))
		assert.ErrorContains(t, err, "the index places it in "+shard2+", but it is in "+shard1)
	})
	t.Run("shard outside folder", func(t *testing.T) {
		index, wm := tinyIndex(t)
		wm["model.norm.weight"] = "../" + shard1
		_, err := OpenIndex(tinyCopy(t, index, shard1, shard2))
		assert.ErrorContains(t, err, "not a file name in the index's folder")
	})
	t.Run("no weight_map", func(t *testing.T) {
		_, err := OpenIndex(tinyCopy(t, map[string]any{"metadata": map[string]any{}}))
		assert.ErrorContains(t, err, "no weight_map")
	})
	t.Run("empty weight_map", func(t *testing.T) {
		_, err := OpenIndex(tinyCopy(t, map[string]any{"weight_map": map[string]any{}}))
		assert.ErrorContains(t, err, "weight_map is empty")
	})
	t.Run("weight_map value", func(t *testing.T) {
		_, err := OpenIndex(tinyCopy(t, map[string]any{"weight_map": map[string]any{"a": 1}}))
		assert.ErrorContains(t, err, "not a file name")
	})
	t.Run("duplicate in weight_map", func(t *testing.T) {
		p := tinyCopy(t, nil, shard2)
		js := `{"weight_map":{"lm_head.weight":"` + shard2 + `","lm_head.weight":"` + shard2 + `"}}`
		require.NoError(t, os.WriteFile(p, []byte(js), 0o644))
		_, err := OpenIndex(p)
		assert.ErrorContains(t, err, "listed twice")
	})
	t.Run("invalid JSON", func(t *testing.T) {
		p := tinyCopy(t, nil)
		require.NoError(t, os.WriteFile(p, []byte("{"), 0o644))
		_, err := OpenIndex(p)
		assert.ErrorContains(t, err, "invalid index JSON")
	})
	t.Run("missing index", func(t *testing.T) {
		_, err := OpenIndex(filepath.Join(t.TempDir(), IndexName))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestOpenFilesDuplicate(t *testing.T) {
	b := encodeFile(t, []testTensor{{"w", F32, []int64{1}, make([]byte, 4)}}, nil)
	p1, p2 := writeTemp(t, "a.safetensors", b), writeTemp(t, "b.safetensors", b)
	_, err := OpenFiles(p1, p2)
	assert.ErrorContains(t, err, `tensor "w": also in `+p1)
}
