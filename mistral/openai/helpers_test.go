package openai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral"

	"github.com/stretchr/testify/require"
)

// tiny is the shipped model, loaded once for the package's tests with one
// thread (the tests of several packages run at once on two cores).
var tiny *mistral.Model

func TestMain(m *testing.M) {
	var err error
	tiny, err = mistral.Load(context.Background(), testref.TinyModel(), mistral.Config{Threads: 1})
	if err != nil {
		panic(err)
	}
	code := m.Run()
	tiny.Close()
	os.Exit(code)
}

// newServer serves a Handler of cfg on 127.0.0.1 for the test.
func newServer(t *testing.T, cfg HandlerConfig) (*httptest.Server, *Handler) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := NewHandler(tiny, cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		h.Close()
	})
	return srv, h
}

// post sends body as JSON and returns the status and the response body.
func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// userChat is a greedy chat request with one user message.
func userChat(content string, maxTokens int, extra string) string {
	c, _ := json.Marshal(content)
	return `{"model": "x", "messages": [{"role": "user", "content": ` + string(c) + `}], "temperature": 0, "max_tokens": ` +
		strconv.Itoa(maxTokens) + extra + `}`
}

// wholeChat posts a chat request and decodes its ChatCompletion.
func wholeChat(t *testing.T, url, req string) ChatCompletion {
	t.Helper()
	status, body := post(t, url, req)
	return decodeChat(t, status, body)
}

// decodeChat decodes a ChatCompletion, requiring a 200.
func decodeChat(t *testing.T, status int, body []byte) ChatCompletion {
	t.Helper()
	require.Equal(t, http.StatusOK, status, "%s", body)
	var c ChatCompletion
	require.NoError(t, json.Unmarshal(body, &c))
	return c
}

// readStream reads the server-sent events of a response, up to [DONE],
// and returns their data (without it) and whether [DONE] came.
func readStream(t *testing.T, r io.Reader) (events []string, done bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		require.True(t, ok, "a line that is not data: %q", line)
		if data == "[DONE]" {
			return events, true
		}
		events = append(events, data)
	}
	return events, false
}

// streamedChat is what the chunks of a streamed chat answer say.
type streamedChat struct {
	text   map[int]string
	finish map[int]string
	usage  *Usage
	ids    map[string]bool
}

// streamChat posts a streamed chat request and reads its answer.
func streamChat(t *testing.T, url, req string) streamedChat {
	t.Helper()
	status, body := post(t, url, req)
	return collectChat(t, status, body)
}

// collectChat reads a streamed chat answer, checking each chunk's shape.
func collectChat(t *testing.T, status int, body []byte) streamedChat {
	t.Helper()
	require.Equal(t, http.StatusOK, status, "%s", body)
	events, done := readStream(t, bytes.NewReader(body))
	require.True(t, done, "no [DONE]")
	s := streamedChat{text: map[int]string{}, finish: map[int]string{}, ids: map[string]bool{}}
	for _, e := range events {
		var c ChatCompletionChunk
		require.NoError(t, json.Unmarshal([]byte(e), &c), e)
		require.Equal(t, "chat.completion.chunk", c.Object)
		s.ids[c.ID] = true
		if c.Usage != nil {
			s.usage = c.Usage
			require.Empty(t, c.Choices)
		}
		for _, ch := range c.Choices {
			require.Empty(t, s.finish[ch.Index], "a chunk after the finish reason: %s", e)
			if ch.Delta.Content != nil {
				s.text[ch.Index] += *ch.Delta.Content
			}
			if ch.FinishReason != nil {
				s.finish[ch.Index] = *ch.FinishReason
			}
		}
	}
	require.Len(t, s.ids, 1, "one id for all the chunks")
	return s
}

// metric reads a metric's value from /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(b)
	require.NotNil(t, m, "no metric %s in\n%s", name, b)
	v, err := strconv.ParseFloat(string(m[1]), 64)
	require.NoError(t, err)
	return v
}

// waitMetric waits until the metric has the value, or fails after 30 s.
func waitMetric(t *testing.T, base, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := metric(t, base, name)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %v, want %v", name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
