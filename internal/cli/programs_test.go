package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// TestProgramsExitZeroOnHelp builds every program of examples/ and bench,
// and runs each (and each of bench's commands) with -h: the usage, and
// status 0, as a Unix program answers a request for help. A flag that does
// not exist is an error: status 1.
func TestProgramsExitZeroOnHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every program")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator),
		"./examples/...", "./bench")
	build.Dir = testref.Root()
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	examples, err := os.ReadDir(testref.Path("examples"))
	require.NoError(t, err)
	var runs [][]string
	for _, e := range examples {
		if e.IsDir() {
			runs = append(runs, []string{e.Name()})
		}
	}
	require.GreaterOrEqual(t, len(runs), 5, "the programs of examples/")
	for _, cmd := range []string{"speed", "speed-one", "perplexity", "levels", "compare", "concurrent", "decode", "serve", "bandwidth", "synth"} {
		runs = append(runs, []string{"bench", cmd})
	}
	runs = append(runs, []string{"bench"})
	for _, r := range runs {
		name := r[0]
		for _, flag := range []string{"-h", "-help"} {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(filepath.Join(bin, name), append(r[1:], flag)...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			assert.NoError(t, cmd.Run(), "%q %s: stderr %s", r, flag, stderr.String())
			assert.Contains(t, strings.ToLower(stdout.String()+stderr.String()), "usage", "%q %s prints its usage", r, flag)
		}
		cmd := exec.Command(filepath.Join(bin, name), append(r[1:], "-no-such-flag")...)
		var exit *exec.ExitError
		if assert.ErrorAs(t, cmd.Run(), &exit, "%q -no-such-flag", r) {
			assert.Equal(t, 1, exit.ExitCode(), "%q -no-such-flag", r)
		}
	}
	var exit *exec.ExitError
	err = exec.Command(filepath.Join(bin, "bench")).Run()
	if assert.True(t, errors.As(err, &exit), "bench without a command fails") {
		assert.Equal(t, 1, exit.ExitCode())
	}
}
