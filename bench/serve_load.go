package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gomistral/gomistral/internal/memstat"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/openai"
)

type loadOpts struct {
	clients, requests, parallel, tokens int
}

// loadResult is what the load check found.
type loadResult struct {
	Clients          int      `json:"clients"`
	Requests         int      `json:"requests"` // sent in all
	Streamed         int      `json:"streamed"`
	Abandoned        int      `json:"abandoned"` // by their client, on purpose
	Complete         int      `json:"complete"`  // complete, well formed, and the prompt's own answer
	Problems         []string `json:"problems"`  // anything else (at most 20 kept)
	Seconds          float64  `json:"seconds"`
	GoroutinesBefore int      `json:"goroutines_before"`
	GoroutinesAfter  int      `json:"goroutines_after"`
	RSSBefore        int64    `json:"rss_before"`
	RSSAfter         int64    `json:"rss_after"`
}

// loadPrompts is how many distinct prompts the load sends (each answered
// alone first, for reference).
const loadPrompts = 16

// serveLoad has clients send requests each at once: greedy chat requests
// of loadPrompts prompts, every other one streamed, a quarter of them
// abandoned at a random point (a streamed one after a few chunks, another
// after a random delay). Every request not abandoned must come back
// complete and well formed with the answer its prompt gets alone; then
// the goroutines and the resident memory must come back to what they
// were after a warm-up (within 10% and 16 MiB).
func serveLoad(ctx context.Context, m *mistral.Model, o loadOpts, stderr io.Writer) (*loadResult, error) {
	// Deterministic: answers must not depend on the batching, for every weight type.
	s, err := startServer(m, openai.HandlerConfig{Parallel: o.parallel, Queue: o.clients,
		Session: mistral.SessionConfig{Deterministic: true}})
	if err != nil {
		return nil, err
	}
	defer s.close()
	ask := func(p int) map[string]any {
		return map[string]any{"messages": []map[string]string{{"role": "user", "content": fmt.Sprintf(
			"Question %d: who was at the ball, and what did they say?", p)}}, "temperature": 0, "max_tokens": o.tokens}
	}
	// The answers alone, and a warm-up of the whole path.
	want := make([]string, loadPrompts)
	for p := range want {
		a, err := s.chat(ctx, ask(p), 0)
		if err != nil {
			return nil, fmt.Errorf("load: prompt %d alone: %w", p, err)
		}
		want[p] = a.text
	}
	// The warm-up has as many clients as the load, so that the memory the
	// process keeps at its high-water mark (the model's compute buffers
	// for the largest batch, the allocator's arenas) is in the baseline.
	if _, err := loadRound(ctx, s, ask, want, o.clients, 1, nil); err != nil {
		return nil, err
	}
	r := &loadResult{Clients: o.clients}
	r.GoroutinesBefore, r.RSSBefore = settle(s)
	fmt.Fprintf(stderr, "load: %d clients × %d requests (baseline: %d goroutines, anonymous RSS %.0f MiB)\n",
		o.clients, o.requests, r.GoroutinesBefore, float64(r.RSSBefore)/(1<<20))
	start := time.Now()
	if _, err := loadRound(ctx, s, ask, want, o.clients, o.requests, r); err != nil {
		return nil, err
	}
	r.Seconds = time.Since(start).Seconds()
	if err := waitIdle(ctx, s); err != nil {
		r.problem("%v", err)
	}
	r.GoroutinesAfter, r.RSSAfter = settle(s)
	if r.GoroutinesAfter > r.GoroutinesBefore+2 {
		r.problem("goroutines: %d after, %d before", r.GoroutinesAfter, r.GoroutinesBefore)
	}
	if r.RSSAfter > r.RSSBefore+r.RSSBefore/10+16<<20 {
		r.problem("resident memory: %d MiB after, %d MiB before", r.RSSAfter>>20, r.RSSBefore>>20)
	}
	if r.Complete+r.Abandoned != r.Requests {
		r.problem("%d requests sent, %d complete and %d abandoned", r.Requests, r.Complete, r.Abandoned)
	}
	return r, nil
}

func (r *loadResult) problem(format string, args ...any) {
	if len(r.Problems) < 20 {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

// loadRound runs clients × requests requests; r (nil in a warm-up)
// records them.
func loadRound(ctx context.Context, s *testServer, ask func(int) map[string]any, want []string, clients, requests int, r *loadResult) (*loadResult, error) {
	if r == nil {
		r = &loadResult{}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			for i := range requests {
				p := (c*requests + i) % loadPrompts
				stream := (c+i)%2 == 0
				abandon := rng.IntN(4) == 0
				text, err := loadRequest(ctx, s, ask(p), stream, abandon, rng)
				mu.Lock()
				r.Requests++
				if stream {
					r.Streamed++
				}
				switch {
				case errors.Is(err, errAbandoned):
					r.Abandoned++
				case err != nil:
					r.problem("client %d request %d (prompt %d, stream %v): %v", c, i, p, stream, err)
				case text != want[p]:
					r.problem("client %d request %d (prompt %d, stream %v): answer %q, alone %q", c, i, p, stream, text, want[p])
				default:
					r.Complete++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if r.Complete == 0 {
		return r, fmt.Errorf("load: no request completed: %v", r.Problems)
	}
	return r, nil
}

// loadRequest sends one request and returns its answer's text. An
// abandoned request whose answer came whole before the client left counts
// as complete.
func loadRequest(ctx context.Context, s *testServer, body map[string]any, stream, abandon bool, rng *rand.Rand) (string, error) {
	if stream {
		stopAfter := 0
		if abandon {
			stopAfter = 1 + rng.IntN(6)
		}
		a, err := s.chat(ctx, body, stopAfter)
		return a.text, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if abandon {
		t := time.AfterFunc(time.Duration(rng.IntN(300))*time.Millisecond, cancel)
		defer t.Stop()
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", s.url+"/v1/chat/completions", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	resp, err := s.client.Do(req)
	if err == nil {
		defer resp.Body.Close()
		var raw []byte
		if raw, err = io.ReadAll(resp.Body); err == nil {
			if resp.StatusCode != http.StatusOK {
				return "", fmt.Errorf("status %d: %s", resp.StatusCode, raw)
			}
			var c openai.ChatCompletion
			if err := json.Unmarshal(raw, &c); err != nil {
				return "", fmt.Errorf("answer %q: %w", raw, err)
			}
			if len(c.Choices) != 1 || c.Choices[0].Message.Content == nil || c.Choices[0].FinishReason == "" || c.Usage == nil {
				return "", fmt.Errorf("malformed answer %s", raw)
			}
			return *c.Choices[0].Message.Content, nil
		}
	}
	if abandon && ctx.Err() != nil {
		return "", errAbandoned
	}
	return "", err
}

// waitIdle waits until the server runs no request.
func waitIdle(ctx context.Context, s *testServer) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		resp, err := s.client.Get(s.url + "/metrics")
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "\ngomistral_requests_running 0\n") {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("requests still running a minute after the load")
}

// settle closes idle connections, collects garbage and returns the
// goroutines and the resident memory then.
func settle(s *testServer) (goroutines int, rss int64) {
	s.client.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond) // the server's connection goroutines end
	runtime.GC()
	debug.FreeOSMemory()
	return runtime.NumGoroutine(), memstat.AnonResident()
}
