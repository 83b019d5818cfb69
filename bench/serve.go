package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/openai"
)

// serveCmd measures the OpenAI-compatible server (package openai) over
// HTTP on 127.0.0.1, as clients use it:
//   - load: many clients sending greedy requests, streamed or not, some
//     going away mid-answer; every answer that was not abandoned must be
//     complete, well formed and the answer its prompt gets alone, and the
//     goroutines and memory must come back to where they were;
//   - speed: 1, 4 and 8 clients streaming requests one after the other:
//     aggregate tokens/s and time to first token (p50, p99), beside
//     llama.cpp decoding as many sequences together (llamaref batched);
//   - cache: time to first token of the last turn of a conversation sent
//     whole each turn, with the prompt cache and without.
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model    = fs.String("model", "", "GGUF model; default: a synthetic model of -type and -shape")
		typ      = fs.String("type", "Q4_0", "without -model: the synthetic model's file type")
		shape    = fs.String("shape", "7b", "without -model: the synthetic model's shape, 7b or 7b-4layers")
		threads  = fs.Int("threads", runtime.GOMAXPROCS(0), "compute threads, for both sides")
		parts    = fs.String("run", "load,speed,cache", "what to measure: load, speed, cache (comma-separated)")
		clients  = fs.Int("clients", 64, "load: clients at once")
		requests = fs.Int("requests", 10, "load: requests per client")
		parallel = fs.Int("parallel", 8, "the server's -parallel")
		loadN    = fs.Int("load-tokens", 16, "load: most tokens per answer")
		counts   = fs.String("speed-clients", "1,4,8", "speed: numbers of clients")
		speedReq = fs.Int("speed-requests", 4, "speed: requests per client")
		speedN   = fs.Int("speed-tokens", 64, "speed: tokens per answer")
		turns    = fs.Int("turns", 5, "cache: turns of the conversation")
		turnN    = fs.Int("turn-tokens", 32, "cache: tokens per answer")
		rounds   = fs.Int("rounds", 3, "cache: conversations per setting (the median is reported)")
		llamaref = fs.String("llamaref", "", "speed: the llamaref binary, for llama.cpp's batched decoding beside (default: none)")
		noDrafts = fs.Bool("no-drafts", false, "speed: the server generates without drafts (HandlerConfig.NoDrafts), one token per Session and pass as llama.cpp's batched decoding")
		asJSON   = fs.Bool("json", false, "print the results as one JSON object")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	paths, labels, err := modelsToMeasure(ctx, *model, *typ, *shape, stderr)
	if err != nil {
		return err
	}
	path := paths[0]
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: *threads})
	if err != nil {
		return err
	}
	defer m.Close()
	res := serveResult{Model: path, Type: labels[0], Threads: *threads, Parallel: *parallel, NoDrafts: *noDrafts}
	for _, part := range strings.Split(*parts, ",") {
		switch strings.TrimSpace(part) {
		case "load":
			lr, err := serveLoad(ctx, m, loadOpts{clients: *clients, requests: *requests, parallel: *parallel, tokens: *loadN}, stderr)
			if err != nil {
				return err
			}
			res.Load = lr
		case "speed":
			ks, err := parseCounts(*counts)
			if err != nil {
				return err
			}
			for _, k := range ks {
				row, err := serveSpeed(ctx, m, k, *speedReq, *speedN, *parallel, *noDrafts)
				if err != nil {
					return err
				}
				if *llamaref != "" {
					if row.LlamaTokS, err = llamaBatched(ctx, *llamaref, path, *threads, k, row.PromptTokens, *speedN); err != nil {
						return err
					}
				}
				fmt.Fprintf(stderr, "speed, %d clients: %.2f tok/s, ttft p50 %.0f ms p99 %.0f ms\n", k, row.TokS, row.TTFTp50, row.TTFTp99)
				res.Speed = append(res.Speed, row)
			}
		case "cache":
			cr, err := serveCache(ctx, m, *turns, *turnN, *rounds)
			if err != nil {
				return err
			}
			res.Cache = cr
		default:
			return fmt.Errorf("serve: -run %q: want load, speed or cache", part)
		}
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return err
		}
	} else {
		printServe(stdout, res)
	}
	if res.Load != nil && len(res.Load.Problems) > 0 {
		return fmt.Errorf("serve: load: %d problems", len(res.Load.Problems))
	}
	return nil
}

type serveResult struct {
	Model    string            `json:"model"`
	Type     string            `json:"type"`
	Threads  int               `json:"threads"`
	Parallel int               `json:"parallel"`
	NoDrafts bool              `json:"no_drafts"` // the speed rows' server generated without drafts
	Load     *loadResult       `json:"load,omitempty"`
	Speed    []serveSpeedRow   `json:"speed,omitempty"`
	Cache    *serveCacheResult `json:"cache,omitempty"`
}

// testServer is a Handler served over HTTP on 127.0.0.1.
type testServer struct {
	url    string
	h      *openai.Handler
	srv    *http.Server
	client *http.Client
}

func startServer(m *mistral.Model, cfg openai.HandlerConfig) (*testServer, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := openai.NewHandler(m, cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &testServer{url: "http://" + ln.Addr().String(), h: h, srv: &http.Server{Handler: h},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *testServer) close() {
	s.client.CloseIdleConnections()
	s.srv.Close()
	s.h.Close()
}

// streamed is what a streamed chat answer said.
type streamed struct {
	text   string
	finish string
	ttft   time.Duration // from the request to the first content
	tokens int           // completion tokens (usage)
	prompt int           // prompt tokens (usage)
	cached int
}

// chat sends a streamed chat request and reads its answer, checking its
// shape: every event a chunk of one id, content only before the finish
// reason, usage last, then [DONE]. stopAfter > 0 abandons the answer after
// so many chunks (then the error is errAbandoned).
func (s *testServer) chat(ctx context.Context, body map[string]any, stopAfter int) (streamed, error) {
	body["stream"] = true
	body["stream_options"] = map[string]bool{"include_usage": true}
	b, err := json.Marshal(body)
	if err != nil {
		return streamed{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", s.url+"/v1/chat/completions", bytes.NewReader(b))
	if err != nil {
		return streamed{}, err
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return streamed{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return streamed{}, fmt.Errorf("status %d: %s", resp.StatusCode, msg)
	}
	var out streamed
	id, chunks, done := "", 0, false
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		line := lines.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		switch {
		case !ok:
			return out, fmt.Errorf("not an event: %q", line)
		case done:
			return out, fmt.Errorf("an event after [DONE]: %q", line)
		case data == "[DONE]":
			done = true
			continue
		}
		var c openai.ChatCompletionChunk
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return out, fmt.Errorf("chunk %q: %w", data, err)
		}
		if id == "" {
			id = c.ID
		}
		if c.ID != id || c.Object != "chat.completion.chunk" {
			return out, fmt.Errorf("chunk of another answer: %q", data)
		}
		if c.Usage != nil {
			if len(c.Choices) != 0 || out.finish == "" {
				return out, fmt.Errorf("usage before the end: %q", data)
			}
			out.tokens, out.prompt = c.Usage.CompletionTokens, c.Usage.PromptTokens
			if c.Usage.PromptTokensDetails != nil {
				out.cached = c.Usage.PromptTokensDetails.CachedTokens
			}
		}
		for _, ch := range c.Choices {
			if ch.Index != 0 || out.finish != "" {
				return out, fmt.Errorf("unexpected chunk %q", data)
			}
			if ch.Delta.Content != nil && *ch.Delta.Content != "" {
				if out.text == "" {
					out.ttft = time.Since(start)
				}
				out.text += *ch.Delta.Content
			}
			if ch.FinishReason != nil {
				out.finish = *ch.FinishReason
			}
		}
		if chunks++; stopAfter > 0 && chunks >= stopAfter {
			return out, errAbandoned
		}
	}
	if err := lines.Err(); err != nil {
		return out, err
	}
	if !done || out.finish == "" || out.prompt == 0 {
		return out, fmt.Errorf("incomplete answer (done %v, finish %q, usage %v)", done, out.finish, out.prompt > 0)
	}
	return out, nil
}

var errAbandoned = errors.New("abandoned by the client")

// serveSpeedRow is the speed with k clients.
type serveSpeedRow struct {
	Clients      int     `json:"clients"`
	Requests     int     `json:"requests"`
	PromptTokens int     `json:"prompt_tokens"` // per request
	TokS         float64 `json:"tok_s"`         // completion tokens of all clients over the wall time
	TTFTp50      float64 `json:"ttft_p50_ms"`
	TTFTp99      float64 `json:"ttft_p99_ms"`
	LlamaTokS    float64 `json:"llama_batched_tok_s,omitempty"`
}

// serveSpeed has k clients send requests streamed requests each, one after
// the other, with prompts of their own (no prompt in the cache).
func serveSpeed(ctx context.Context, m *mistral.Model, k, requests, n, parallel int, noDrafts bool) (serveSpeedRow, error) {
	s, err := startServer(m, openai.HandlerConfig{Parallel: max(parallel, k), Queue: k, NoDrafts: noDrafts})
	if err != nil {
		return serveSpeedRow{}, err
	}
	defer s.close()
	ask := func(client, i int) map[string]any {
		return map[string]any{"messages": []map[string]string{{"role": "user", "content": fmt.Sprintf(
			"Client %d asks question %d: tell me the whole story of the war and of the peace that followed it.", client, i)}},
			"temperature": 0, "max_tokens": n}
	}
	if _, err := s.chat(ctx, ask(-1, -1), 0); err != nil { // warm up
		return serveSpeedRow{}, err
	}
	var (
		mu     sync.Mutex
		ttfts  []time.Duration
		tokens int
		prompt int
		errs   []error
		wg     sync.WaitGroup
	)
	start := time.Now()
	for c := range k {
		wg.Go(func() {
			for i := range requests {
				a, err := s.chat(ctx, ask(c, i), 0)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				ttfts = append(ttfts, a.ttft)
				tokens += a.tokens
				prompt = a.prompt
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return serveSpeedRow{}, err
	}
	p50, p99 := percentiles(ttfts)
	return serveSpeedRow{Clients: k, Requests: k * requests, PromptTokens: prompt, TokS: float64(tokens) / wall.Seconds(),
		TTFTp50: p50, TTFTp99: p99}, nil
}

// serveCacheResult is the time to first token of a conversation's last
// turn, sent whole, with the prompt cache and without.
type serveCacheResult struct {
	Turns int `json:"turns"`
	// The last turn's prompt: with the cache, as the Session holds it
	// (the answers as the ids generated), and how much of it was cached;
	// without, as EncodeChat writes it (the answers' text encoded again).
	PromptTokens   int       `json:"prompt_tokens"`
	CachedTokens   int       `json:"cached_tokens"`
	PromptUncached int       `json:"prompt_tokens_without_cache"`
	WithMS         []float64 `json:"with_cache_ttft_ms"`
	WithoutMS      []float64 `json:"without_cache_ttft_ms"`
	WithMedian     float64   `json:"with_cache_ttft_ms_median"`
	WithoutMed     float64   `json:"without_cache_ttft_ms_median"`
}

func serveCache(ctx context.Context, m *mistral.Model, turns, n, rounds int) (*serveCacheResult, error) {
	r := &serveCacheResult{Turns: turns}
	for _, cached := range []bool{true, false} {
		s, err := startServer(m, openai.HandlerConfig{Parallel: 1, NoPromptCache: !cached})
		if err != nil {
			return nil, err
		}
		for round := range rounds {
			var msgs []map[string]string
			var last streamed
			for turn := range turns {
				msgs = append(msgs, map[string]string{"role": "user", "content": fmt.Sprintf(
					"Conversation %d, turn %d: what did Pierre think of the battle, and what did Natasha say to him afterwards?", round, turn+1)})
				a, err := s.chat(ctx, map[string]any{"messages": msgs, "temperature": 0, "max_tokens": n}, 0)
				if err != nil {
					s.close()
					return nil, err
				}
				msgs = append(msgs, map[string]string{"role": "assistant", "content": a.text})
				last = a
			}
			ms := float64(last.ttft.Microseconds()) / 1000
			if cached {
				r.WithMS = append(r.WithMS, ms)
				r.PromptTokens, r.CachedTokens = last.prompt, last.cached
			} else {
				r.WithoutMS = append(r.WithoutMS, ms)
				r.PromptUncached = last.prompt
			}
		}
		s.close()
	}
	r.WithMedian, _, _ = medianSpread(r.WithMS)
	r.WithoutMed, _, _ = medianSpread(r.WithoutMS)
	return r, nil
}

func printServe(w io.Writer, r serveResult) {
	drafts := ""
	if r.NoDrafts && r.Speed != nil {
		drafts = ", speed measured without drafts"
	}
	fmt.Fprintf(w, "%s (%s), server -parallel %d%s\n", r.Model, r.Type, r.Parallel, drafts)
	if l := r.Load; l != nil {
		fmt.Fprintf(w, "\nload: %d clients, %d requests (%d streamed), %d abandoned by their client, %d complete and right, %d problems, in %.1f s\n",
			l.Clients, l.Requests, l.Streamed, l.Abandoned, l.Complete, len(l.Problems), l.Seconds)
		fmt.Fprintf(w, "goroutines %d before, %d after; anonymous RSS %.0f MiB before, %.0f MiB after\n",
			l.GoroutinesBefore, l.GoroutinesAfter, float64(l.RSSBefore)/(1<<20), float64(l.RSSAfter)/(1<<20))
		for _, p := range l.Problems {
			fmt.Fprintln(w, "  problem:", p)
		}
	}
	if len(r.Speed) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "clients\trequests\tprompt\ttok/s\tttft p50 ms\tttft p99 ms\tllama.cpp batched tok/s\t")
		for _, row := range r.Speed {
			llama := "-"
			if row.LlamaTokS > 0 {
				llama = fmt.Sprintf("%.2f", row.LlamaTokS)
			}
			fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%.0f\t%.0f\t%s\t\n", row.Clients, row.Requests, row.PromptTokens, row.TokS, row.TTFTp50, row.TTFTp99, llama)
		}
		tw.Flush()
	}
	if c := r.Cache; c != nil {
		fmt.Fprintf(w, "\ncache: turn %d of a conversation: time to first token %.0f ms with the cache (%d prompt tokens, %d of them cached), %.0f ms without (%d prompt tokens); medians of %v and %v\n",
			c.Turns, c.WithMedian, c.PromptTokens, c.CachedTokens, c.WithoutMed, c.PromptUncached, c.WithMS, c.WithoutMS)
	}
}
