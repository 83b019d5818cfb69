package quant

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// atomicFile is an output file written under a temporary name in the
// destination folder and renamed into place by Commit, so that a failed or
// interrupted write never leaves a partial file under the final name.
type atomicFile struct {
	dst  string
	f    *os.File
	w    *bufio.Writer
	done bool
}

// createAtomic creates the temporary file for dst, a hidden file in dst's
// folder named after it.
func createAtomic(dst string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("quant: %w", err)
	}
	return &atomicFile{dst: dst, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// Write writes to the temporary file, through a buffer.
func (a *atomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

// Commit flushes and syncs the temporary file and renames it to the
// destination, replacing any file there, unless ctx is cancelled by then:
// it then aborts and returns ctx.Err().
func (a *atomicFile) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		a.Abort()
		return err
	}
	err := a.w.Flush()
	if err == nil {
		err = a.f.Chmod(0o644)
	}
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.dst)
	}
	if err != nil {
		_ = os.Remove(a.f.Name())
	}
	a.done = true
	if err != nil {
		return fmt.Errorf("quant: write %s: %w", a.dst, err)
	}
	return nil
}

// Abort closes and removes the temporary file. It does nothing after Commit,
// and may be called more than once.
func (a *atomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	_ = a.f.Close()
	_ = os.Remove(a.f.Name())
}

// sameFile reports whether dst names the same file as one of inputs.
func sameFile(dst string, inputs []string) (string, bool) {
	dstInfo, err := os.Stat(dst)
	if err != nil {
		return "", false
	}
	for _, in := range inputs {
		if info, err := os.Stat(in); err == nil && os.SameFile(dstInfo, info) {
			return in, true
		}
	}
	return "", false
}

// errIsDir is returned when the destination is a folder.
var errIsDir = errors.New("is a folder")
