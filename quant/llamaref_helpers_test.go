package quant

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// llamaref is llama.cpp as an outside oracle (../../shared/tools/llamaref,
// built with its build.sh). Tests that need it look for the binary named by
// $LLAMAREF, else /tmp/llamaref, and skip when there is none.
func llamaref(t testing.TB) string {
	t.Helper()
	path := os.Getenv("LLAMAREF")
	if path == "" {
		path = "/tmp/llamaref"
	}
	if info, err := os.Stat(path); err != nil || info.IsDir() {
		t.Skipf("llama.cpp oracle: no llamaref binary at %s (build ../shared/tools/llamaref, set $LLAMAREF)", path)
	}
	return path
}

// runLlamaref runs the oracle and returns its standard output.
func runLlamaref(t testing.TB, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "llamaref %s: %s", strings.Join(args, " "), lastLines(stderr.String(), 10))
	return stdout.Bytes()
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// llamaQuantize makes dst from src with llama.cpp's quantizer.
func llamaQuantize(t testing.TB, bin, src, dst string, ft FileType) {
	t.Helper()
	runLlamaref(t, bin, "quantize", "-m", src, "-o", dst, "-ftype", strconv.Itoa(int(ft)), "-t", "2")
}

// llamaLogits returns llama.cpp's logits after each of ids, computed by one
// thread.
func llamaLogits(t testing.TB, bin, model string, ids []int32) [][]float32 {
	t.Helper()
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	out := runLlamaref(t, bin, "logits", "-m", model, "-ids", strings.Join(s, ","), "-t", "1")
	var res struct {
		Rows []struct {
			Pos    int       `json:"pos"`
			Logits []float32 `json:"logits"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal(out, &res))
	logits := make([][]float32, len(ids))
	for _, r := range res.Rows {
		require.Less(t, r.Pos, len(ids))
		logits[r.Pos] = r.Logits
	}
	for i, l := range logits {
		require.NotNil(t, l, "llamaref gave no logits for position %d", i)
	}
	return logits
}
