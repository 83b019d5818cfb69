package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser returns the path of a Chromium (Debian's chromium package), or
// skips the test.
func browser(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no browser: the chat page test needs Debian's chromium (apt-get install chromium) or $CHROMIUM")
	return ""
}

// The chat page in a real browser: it streams the answer, keeps the
// conversation, takes a system prompt and a temperature, and its stop
// button stops the generation on the server.
func TestChatPage(t *testing.T) {
	exe := browser(t)
	s := start(t, "-parallel", "2", "-name", "tiny")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()

	const system = "Answer in the style of Tolstoy."
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	wait := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(90*time.Second))
	}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/"),
		chromedp.WaitVisible(css("#input")),
		wait(`document.getElementById("model").textContent === "tiny"`),
		chromedp.Click(css("#settings summary")),
		chromedp.SetValue(css("#system"), system),
		chromedp.SetValue(css("#temperature"), "0"),
		chromedp.SetValue(css("#max-tokens"), "12"),
	))

	// say sends a message and returns the answer shown once it is done.
	say := func(text string, n int) string {
		require.NoError(t, chromedp.Do(ctx,
			chromedp.SendKeys(css("#input"), text),
			chromedp.Click(css("#send")),
			wait(`document.querySelectorAll(".msg.assistant[data-done]").length === `+strconv.Itoa(n)+
				` && document.body.dataset.state === "idle"`),
		))
		answer, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".msg.assistant:last-child").textContent`))
		require.NoError(t, err)
		return answer
	}
	first := say("Who is Pierre?", 1)
	second := say("And Natasha?", 2)

	// The same conversation through the API gives the same answers.
	conv := []map[string]string{{"role": "system", "content": system}, {"role": "user", "content": "Who is Pierre?"}}
	assert.Equal(t, apiAnswer(t, s.url, conv), first)
	conv = append(conv, map[string]string{"role": "assistant", "content": first}, map[string]string{"role": "user", "content": "And Natasha?"})
	assert.Equal(t, apiAnswer(t, s.url, conv), second)
	assert.NotEqual(t, first, second)

	// Stop: an answer without end is stopped once some of it has come.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(css("#max-tokens"), "100000"),
		chromedp.SendKeys(css("#input"), "Tell me everything."),
		chromedp.Click(css("#send")),
		wait(`document.querySelectorAll(".msg.assistant").length === 3 && document.querySelector(".msg.assistant:last-child").textContent.length > 20`),
		chromedp.Click(css("#stop")),
		wait(`document.querySelectorAll(".msg.assistant[data-done]").length === 3`),
	))
	finish, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".msg.assistant:last-child").dataset.finish + " " + document.body.dataset.state`))
	require.NoError(t, err)
	assert.Equal(t, "stopped idle", finish)
	waitRunning(t, s.url, 0) // the server stopped generating
	if path := os.Getenv("CHAT_PAGE_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, png, 0o644))
	}
}

// apiAnswer is the greedy answer of 12 tokens to a conversation.
func apiAnswer(t *testing.T, url string, conv []map[string]string) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"messages": conv, "temperature": 0, "max_tokens": 12})
	require.NoError(t, err)
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer resp.Body.Close()
	var c struct {
		Choices []struct {
			Message struct{ Content string }
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	require.Len(t, c.Choices, 1)
	return c.Choices[0].Message.Content
}

// waitRunning waits until gomistral_requests_running is n.
func waitRunning(t *testing.T, url string, n int) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^gomistral_requests_running (\S+)$`)
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(url + "/metrics")
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := re.FindSubmatch(b)
		require.NotNil(t, m)
		if string(m[1]) == strconv.Itoa(n) {
			return
		}
		require.True(t, time.Now().Before(deadline), "requests running: %s, want %d", m[1], n)
		time.Sleep(50 * time.Millisecond)
	}
}
