package bounded

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(p, []byte("0123456789"), 0o644))

	b, err := ReadFile(p, 10)
	require.NoError(t, err)
	assert.Equal(t, "0123456789", string(b))

	_, err = ReadFile(p, 9)
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.ErrorContains(t, err, p+": 10 bytes, more than the 9 allowed")

	_, err = ReadFile(dir, 1<<20)
	assert.ErrorContains(t, err, "not a regular file")

	link := filepath.Join(dir, "zero")
	require.NoError(t, os.Symlink("/dev/zero", link))
	_, err = ReadFile(link, 1<<20)
	assert.ErrorContains(t, err, link+": not a regular file")

	_, err = ReadFile(filepath.Join(dir, "absent"), 1)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
