package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// server is examples/serve running in the test's process.
type server struct {
	url    string
	stop   context.CancelFunc // as SIGINT or SIGTERM
	done   chan error         // what run returned
	stderr *strings.Builder
}

// start runs the server with args (and -addr 127.0.0.1:0 -threads 1) and
// waits until it answers /health with 200.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	s := &server{stop: cancel, done: make(chan error, 1), stderr: &strings.Builder{}}
	args = append([]string{"-addr", "127.0.0.1:0", "-threads", "1"}, args...)
	go func() {
		err := run(ctx, args, w, &syncWriter{b: s.stderr})
		w.Close()
		s.done <- err
	}()
	lines := bufio.NewScanner(out)
	require.True(t, lines.Scan(), "no output")
	m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(lines.Text())
	require.NotNil(t, m, lines.Text())
	s.url = m[1]
	go io.Copy(io.Discard, out)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(s.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
			require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "while loading")
		}
		require.True(t, time.Now().Before(deadline), "not healthy after a minute")
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// syncWriter is a strings.Builder written from several goroutines.
type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestHelp(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"-h"}, io.Discard, &out)
	assert.True(t, errors.Is(err, flag.ErrHelp), "%v", err)
	assert.Contains(t, out.String(), "-api-key")
}

// The official openai npm client (examples/serve/jsclient) checks the
// server as a program of a user would: see check.mjs.
func TestOpenAIClient(t *testing.T) {
	node, dir := jsClient(t)
	s := start(t, "-parallel", "1", "-queue", "0", "-api-key", "test-key", "-name", "tiny")
	runCheck(t, node, dir, "check.mjs", s.url)
}

// TestOpenAIClientTools: tool calls through the official client, on the
// tiny v3 model (extended: ../shared): see check_tools.mjs.
func TestOpenAIClientTools(t *testing.T) {
	node, dir := jsClient(t)
	model := testref.Shared(t, "tiny-mistral-v3", "tiny-mistral-v3-Q8_0.gguf")
	s := start(t, "-model", model, "-parallel", "1", "-api-key", "test-key", "-name", "tiny")
	runCheck(t, node, dir, "check_tools.mjs", s.url)
}

// jsClient returns node and the client's folder, or skips t.
func jsClient(t *testing.T) (node, dir string) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the openai client check needs Node 20 and `npm ci` in examples/serve/jsclient")
	}
	dir, err = filepath.Abs("jsclient")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai")); err != nil {
		t.Skip("examples/serve/jsclient/node_modules is absent: run `npm ci` there for the openai client check")
	}
	return node, dir
}

func runCheck(t *testing.T, node, dir, script, url string) {
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SERVE_URL="+url, "SERVE_KEY=test-key", "SERVE_MODEL=tiny")
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", script, out)
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^\d+ passed, 0 failed$`, string(out))
}

// On SIGINT or SIGTERM, the server stops accepting connections, lets the
// requests running finish within the grace period and then cancels them.
func TestShutdown(t *testing.T) {
	s := start(t, "-parallel", "2", "-grace", "8s")
	// A request that would go on for ever, and a short one.
	long, err := http.Post(s.url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages": [{"role": "user", "content": "Everything"}], "max_tokens": 100000, "stream": true}`))
	require.NoError(t, err)
	defer long.Body.Close()
	short, err := http.Post(s.url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"messages": [{"role": "user", "content": "Hi"}], "temperature": 0, "max_tokens": 6, "stream": true}`))
	require.NoError(t, err)
	defer short.Body.Close()
	longLines, shortLines := bufio.NewReader(long.Body), bufio.NewReader(short.Body)
	_, err = longLines.ReadString('\n') // both are generating
	require.NoError(t, err)
	_, err = shortLines.ReadString('\n')
	require.NoError(t, err)

	began := time.Now()
	s.stop() // SIGTERM
	rest, err := io.ReadAll(shortLines)
	require.NoError(t, err)
	assert.Contains(t, string(rest), `"finish_reason":"length"`)
	assert.True(t, strings.HasSuffix(string(rest), "data: [DONE]\n\n"), "the short request finishes: %s", rest)

	// The long one is cut once the grace period is over.
	rest, _ = io.ReadAll(longLines)
	assert.NotContains(t, string(rest), "[DONE]")
	assert.GreaterOrEqual(t, time.Since(began), 7*time.Second)
	select {
	case err := <-s.done:
		require.NoError(t, err)
		s.done <- nil // for the cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after the grace period")
	}
	// Nothing listens any more.
	_, err = http.Get(s.url + "/health")
	assert.Error(t, err)
	assert.Contains(t, s.stderr.String(), "cancelled=true", "the long request is logged as cancelled")
}
