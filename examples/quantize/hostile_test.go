package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// buildProgram builds the program into a temporary folder, with the race
// detector when the test has it (so that both reuse one build of GGML).
func buildProgram(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := filepath.Join(t.TempDir(), "quantize")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// tinyFolder makes a folder of links to the tiny model's files, with
// config.json changed by edit.
func tinyFolder(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	src := testref.Testdata("tiny-mistral-v1")
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() != "config.json" {
			require.NoError(t, os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dir, e.Name())))
		}
	}
	b, err := os.ReadFile(filepath.Join(src, "config.json"))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644))
	return dir
}

// maxRSS returns the peak resident memory of a finished process, in bytes.
func maxRSS(t *testing.T, ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no resource usage on this system")
	}
	return ru.Maxrss << 10 // kilobytes on Linux
}

// TestProgramHostile builds the program and runs it on hostile input.
func TestProgramHostile(t *testing.T) {
	bin := buildProgram(t)
	t.Run("a billion layers", func(t *testing.T) { testBillionLayers(t, bin) })
	t.Run("SIGTERM", func(t *testing.T) { testSIGTERM(t, bin) })
}

// testBillionLayers runs the program on a folder whose config.json claims a
// billion layers: an error naming the key, in under a second and 100 MiB.
func testBillionLayers(t *testing.T, bin string) {
	src := tinyFolder(t, func(m map[string]any) { m["num_hidden_layers"] = 1_000_000_000 })
	outDir := t.TempDir()
	cmd := exec.Command(bin, "-in", src, "-out", filepath.Join(outDir, "out.gguf"), "-type", "Q4_K_M")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the program must fail")
	assert.Contains(t, stderr.String(), "config.json: num_hidden_layers: 1000000000 is too large")
	rss := maxRSS(t, cmd.ProcessState)
	t.Logf("%v, %.1f MiB resident at most: %s", elapsed.Round(time.Millisecond), float64(rss)/(1<<20), strings.TrimSpace(stderr.String()))
	assert.Less(t, elapsed, time.Second)
	assert.Less(t, rss, int64(100<<20)) // 10 MiB measured, 26 MiB with the race detector
	assertNothingIn(t, outDir)
}

// testSIGTERM stops a real conversion (the tiny model in Q2_K on one
// thread: a few seconds) with SIGTERM as soon as its temporary file
// appears: the program must end within a second, leaving no file.
func testSIGTERM(t *testing.T, bin string) {
	outDir := t.TempDir()
	cmd := exec.Command(bin, "-in", testref.Testdata("tiny-mistral-v1"), "-out", filepath.Join(outDir, "out.gguf"),
		"-type", "Q2_K", "-threads", "1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	deadline := time.After(30 * time.Second)
	for started := false; !started; {
		select {
		case err := <-done:
			t.Fatalf("the program ended before it wrote (%v): %s", err, stderr.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("no temporary file after 30 s")
		case <-time.After(5 * time.Millisecond):
			entries, _ := os.ReadDir(outDir)
			started = len(entries) > 0
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	signalled := time.Now()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the program did not end within 10 s of SIGTERM")
	}
	elapsed := time.Since(signalled)
	t.Logf("ended %v after SIGTERM: %s", elapsed.Round(time.Millisecond), strings.TrimSpace(stderr.String()))
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the conversion must not have finished")
	assert.Contains(t, stderr.String(), "interrupted: no file written")
	assert.Less(t, elapsed, time.Second)
	assertNothingIn(t, outDir)
}

// assertNothingIn checks that dir is empty: no output, no temporary file.
func assertNothingIn(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Empty(t, names)
}
