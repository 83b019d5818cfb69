package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gomistral/gomistral/mistral"
)

// concurrentRow is one number of Sessions generating at once.
type concurrentRow struct {
	Sessions  int       `json:"sessions"`
	TokS      []float64 `json:"tok_s"`       // aggregate generation tokens/s, per round
	ITLp50    []float64 `json:"itl_p50_ms"`  // inter-token latency of a Session, per round
	ITLp99    []float64 `json:"itl_p99_ms"`  // (over all Sessions' tokens)
	LlamaTokS []float64 `json:"llama_tok_s"` // llama.cpp decoding as many sequences in one pass
	Median    float64   `json:"tok_s_median"`
	LlamaMed  float64   `json:"llama_tok_s_median,omitempty"`
	Ratio     float64   `json:"ratio_to_llama,omitempty"`
	Speedup   float64   `json:"speedup_over_one"` // median over the one-Session median
}

// longPromptResult is one Session decoding while another reads a long
// prompt, against the same Session decoding alone.
type longPromptResult struct {
	Prompt           int     `json:"prompt_tokens"`
	SoloP50          float64 `json:"solo_itl_p50_ms"`
	SoloP99          float64 `json:"solo_itl_p99_ms"`
	BesideP50        float64 `json:"beside_itl_p50_ms"`
	BesideP99        float64 `json:"beside_itl_p99_ms"`
	P99Ratio         float64 `json:"p99_ratio"`
	ReadSeconds      float64 `json:"read_seconds"`       // the long prompt, read beside the decoding
	AloneSeconds     float64 `json:"read_alone_seconds"` // and alone
	DecodedMeanwhile int     `json:"decoded_meanwhile"`
}

type concurrentResult struct {
	Model      string            `json:"model"`
	NoDrafts   bool              `json:"no_drafts"`
	Type       string            `json:"type"`
	Threads    int               `json:"threads"`
	P          int               `json:"p"`
	N          int               `json:"n"`
	Rounds     int               `json:"rounds"`
	Rows       []concurrentRow   `json:"rows"`
	LongPrompt *longPromptResult `json:"long_prompt,omitempty"`
}

// concurrentCmd measures Sessions of one Model generating at the same time,
// each from its own goroutine, as a server runs them: aggregate tokens/s and
// each Session's inter-token latency, beside llama.cpp decoding as many
// sequences in one batch (llamaref batched), in alternating rounds.
func concurrentCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("concurrent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "GGUF models (comma-separated); default: synthetic models of -types")
	types := fs.String("types", "Q4_0", "without -model: file types of synthetic models")
	shape := fs.String("shape", "7b-4layers", "shape of synthetic models: 7b or 7b-4layers")
	sessions := fs.String("sessions", "1,2,4,8", "numbers of Sessions generating at once")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "threads for both")
	p := fs.Int("p", 32, "prompt tokens per Session")
	n := fs.Int("n", 32, "tokens each Session generates")
	rounds := fs.Int("rounds", 2, "alternating rounds")
	long := fs.Int("prompt-long", 0, "if > 0: also measure one Session decoding while another reads a prompt this long")
	llamaref := fs.String("llamaref", os.Getenv("LLAMAREF"), "the llamaref binary for llama.cpp's figures (default $LLAMAREF; none: ours only)")
	noDrafts := fs.Bool("no-drafts", false, "generate without drafts (mistral.GenerateConfig.NoDrafts): one token per Session and pass, as llama.cpp's batched decoding")
	asJSON := fs.Bool("json", false, "print one JSON object per model")
	if err := fs.Parse(args); err != nil {
		return err
	}
	counts, err := parseCounts(*sessions)
	if err != nil {
		return err
	}
	if *llamaref != "" {
		if _, err := os.Stat(*llamaref); err != nil {
			return fmt.Errorf("concurrent: llamaref: %w", err)
		}
	}
	paths, labels, err := modelsToMeasure(ctx, *model, *types, *shape, stderr)
	if err != nil {
		return err
	}
	for i, path := range paths {
		r := concurrentResult{Model: path, Type: labels[i], Threads: *threads, P: *p, N: *n, Rounds: *rounds, NoDrafts: *noDrafts}
		if err := measureConcurrent(ctx, &r, counts, *llamaref, *long, stderr); err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(r); err != nil {
				return err
			}
			continue
		}
		printConcurrent(stdout, r)
	}
	return nil
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("concurrent: -sessions %q: want positive numbers", s)
		}
		out = append(out, k)
	}
	return out, nil
}

func measureConcurrent(ctx context.Context, r *concurrentResult, counts []int, llamaref string, long int, stderr io.Writer) error {
	m, err := mistral.Load(ctx, r.Model, mistral.Config{Threads: r.Threads})
	if err != nil {
		return err
	}
	defer m.Close()
	var d speedResult
	if describeFile(r.Model, &d) == nil && r.Type == "" {
		r.Type = d.Type
	}
	// Warm up: every weight read once, the graphs of the shapes built.
	if _, err := runConcurrent(ctx, m, 2, r.P, 4, r.NoDrafts); err != nil {
		return err
	}
	r.Rows = make([]concurrentRow, len(counts))
	for round := 0; round < r.Rounds; round++ {
		for i, k := range counts {
			row := &r.Rows[i]
			row.Sessions = k
			got, err := runConcurrent(ctx, m, k, r.P, r.N, r.NoDrafts)
			if err != nil {
				return err
			}
			row.TokS = append(row.TokS, got.tokS)
			row.ITLp50 = append(row.ITLp50, got.p50)
			row.ITLp99 = append(row.ITLp99, got.p99)
			line := fmt.Sprintf("round %d, %d sessions: ours %.2f tok/s (itl p50 %.1f ms p99 %.1f ms)", round, k, got.tokS, got.p50, got.p99)
			if llamaref != "" {
				tg, err := llamaBatched(ctx, llamaref, r.Model, r.Threads, k, r.P, r.N)
				if err != nil {
					return err
				}
				row.LlamaTokS = append(row.LlamaTokS, tg)
				line += fmt.Sprintf("; llama.cpp %.2f tok/s", tg)
			}
			fmt.Fprintln(stderr, line)
		}
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		row.Median, _, _ = medianSpread(row.TokS)
		if len(row.LlamaTokS) > 0 {
			row.LlamaMed, _, _ = medianSpread(row.LlamaTokS)
			row.Ratio = row.Median / row.LlamaMed
		}
	}
	for i := range r.Rows {
		if r.Rows[0].Median > 0 {
			r.Rows[i].Speedup = r.Rows[i].Median / r.Rows[0].Median
		}
	}
	if long > 0 {
		lp, err := measureLongPrompt(ctx, m, r.P, long, r.NoDrafts, stderr)
		if err != nil {
			return err
		}
		r.LongPrompt = lp
	}
	return nil
}

// concurrentRun is what runConcurrent measured.
type concurrentRun struct {
	tokS     float64 // all Sessions' tokens over the wall time
	p50, p99 float64 // inter-token latency, ms
}

// runConcurrent prefills k Sessions with prompts of p tokens, then has each
// generate n tokens from its own goroutine (greedy, past EOS), all at once.
func runConcurrent(ctx context.Context, m *mistral.Model, k, p, n int, noDrafts bool) (concurrentRun, error) {
	vocab := int32(m.Params().Vocab)
	sessions := make([]*mistral.Session, k)
	for i := range sessions {
		s, err := m.NewSession(mistral.SessionConfig{})
		if err != nil {
			return concurrentRun{}, err
		}
		defer s.Close()
		prompt := make([]int32, p)
		for j := range prompt {
			prompt[j] = 1 + int32((j+i*131)*7919)%(vocab-1)
		}
		if err := s.Feed(ctx, prompt); err != nil {
			return concurrentRun{}, err
		}
		sessions[i] = s
	}
	gaps := make([][]time.Duration, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	start := time.Now()
	for i, s := range sessions {
		wg.Go(func() {
			last := time.Now()
			for _, err := range s.GenerateTokens(ctx, nil, mistral.GenerateConfig{MaxTokens: n, IgnoreEOS: true, NoDrafts: noDrafts}) {
				if err != nil {
					errs[i] = err
					return
				}
				now := time.Now()
				gaps[i] = append(gaps[i], now.Sub(last))
				last = now
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return concurrentRun{}, err
	}
	var all []time.Duration
	for _, g := range gaps {
		if len(g) > 1 {
			all = append(all, g[1:]...) // the first is the wait for the first pass
		}
	}
	p50, p99 := percentiles(all)
	return concurrentRun{tokS: float64(k*n) / wall.Seconds(), p50: p50, p99: p99}, nil
}

// percentiles returns the 50th and 99th percentiles in milliseconds.
func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := min(len(s)-1, int(q*float64(len(s))))
		return float64(s[i].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}

// measureLongPrompt measures one Session decoding alone, then the same
// while another Session reads a prompt of long tokens, and the long prompt
// read alone.
func measureLongPrompt(ctx context.Context, m *mistral.Model, p, long int, noDrafts bool, stderr io.Writer) (*longPromptResult, error) {
	vocab := int32(m.Params().Vocab)
	longIDs := make([]int32, long)
	for j := range longIDs {
		longIDs[j] = 1 + int32(j*7919)%(vocab-1)
	}
	r := &longPromptResult{Prompt: long}
	// The prompt alone.
	reader, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return nil, err
	}
	defer reader.Close()
	t0 := time.Now()
	if err := reader.Feed(ctx, longIDs); err != nil {
		return nil, err
	}
	r.AloneSeconds = time.Since(t0).Seconds()
	fmt.Fprintf(stderr, "long prompt of %d tokens alone: %.1f s\n", long, r.AloneSeconds)

	decode := func(until <-chan struct{}, most int) ([]time.Duration, error) {
		s, err := m.NewSession(mistral.SessionConfig{})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		prompt := make([]int32, p)
		for j := range prompt {
			prompt[j] = 1 + int32(j*31)%(vocab-1)
		}
		if err := s.Feed(ctx, prompt); err != nil {
			return nil, err
		}
		var gaps []time.Duration
		last := time.Now()
		for _, err := range s.GenerateTokens(ctx, nil, mistral.GenerateConfig{MaxTokens: most, IgnoreEOS: true, NoDrafts: noDrafts}) {
			if err != nil {
				return nil, err
			}
			now := time.Now()
			gaps = append(gaps, now.Sub(last))
			last = now
			select {
			case <-until:
				return gaps, nil
			default:
			}
		}
		return gaps, nil
	}
	solo, err := decode(nil, 64)
	if err != nil {
		return nil, err
	}
	r.SoloP50, r.SoloP99 = percentiles(solo[1:])

	reader.Reset()
	done := make(chan struct{})
	var readErr error
	var wg sync.WaitGroup
	var beside []time.Duration
	var decErr error
	wg.Go(func() { beside, decErr = decode(done, 1<<20) })
	wg.Go(func() {
		defer close(done)
		t0 := time.Now()
		readErr = reader.Feed(ctx, longIDs)
		r.ReadSeconds = time.Since(t0).Seconds()
	})
	wg.Wait()
	if err := errors.Join(readErr, decErr); err != nil {
		return nil, err
	}
	if len(beside) > 1 {
		beside = beside[1:]
	}
	r.DecodedMeanwhile = len(beside)
	r.BesideP50, r.BesideP99 = percentiles(beside)
	if r.SoloP99 > 0 {
		r.P99Ratio = r.BesideP99 / r.SoloP99
	}
	fmt.Fprintf(stderr, "decoding beside it: itl p99 %.1f ms (alone %.1f ms, %.2fx); prompt read in %.1f s\n",
		r.BesideP99, r.SoloP99, r.P99Ratio, r.ReadSeconds)
	return r, nil
}

// llamaBatched runs llamaref's batched decoding of np sequences (its second
// repetition: the first warms up) and returns the aggregate tokens/s.
func llamaBatched(ctx context.Context, llamaref, path string, threads, np, p, n int) (float64, error) {
	cmd := exec.CommandContext(ctx, llamaref, "batched", "-m", path, "-np", fmt.Sprint(np), "-p", fmt.Sprint(p),
		"-n", fmt.Sprint(n), "-r", "2", "-t", fmt.Sprint(threads))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("llamaref batched: %w: %s", err, lastLines(errOut.String(), 5))
	}
	var res struct {
		TG []float64 `json:"tg_tok_s"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || len(res.TG) == 0 {
		return 0, errors.New("llamaref batched: unexpected output: " + out.String())
	}
	return res.TG[len(res.TG)-1], nil
}

func printConcurrent(w io.Writer, r concurrentResult) {
	drafts := "with drafts"
	if r.NoDrafts {
		drafts = "without drafts"
	}
	fmt.Fprintf(w, "%s (%s), %d threads, prompt %d, %d tokens per Session (greedy, %s), %d rounds (medians)\n",
		r.Type, r.Model, r.Threads, r.P, r.N, drafts, r.Rounds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "sessions\ttok/s\tx one\titl p50 ms\titl p99 ms\tllama.cpp tok/s\tratio")
	for _, row := range r.Rows {
		p50, _, _ := medianSpread(row.ITLp50)
		p99, _, _ := medianSpread(row.ITLp99)
		llama, ratio := "n/a", "n/a"
		if row.LlamaMed > 0 {
			llama, ratio = fmt.Sprintf("%.2f", row.LlamaMed), fmt.Sprintf("%.2fx", row.Ratio)
		}
		fmt.Fprintf(tw, "%d\t%.2f\t%.2fx\t%.1f\t%.1f\t%s\t%s\n", row.Sessions, row.Median, row.Speedup, p50, p99, llama, ratio)
	}
	tw.Flush()
	if lp := r.LongPrompt; lp != nil {
		fmt.Fprintf(w, "one Session decoding while another reads %d prompt tokens: itl p50 %.1f / p99 %.1f ms "+
			"(alone %.1f / %.1f ms): p99 %.2fx alone; %d tokens decoded meanwhile; prompt read in %.1f s (alone %.1f s)\n",
			lp.Prompt, lp.BesideP50, lp.BesideP99, lp.SoloP50, lp.SoloP99, lp.P99Ratio, lp.DecodedMeanwhile, lp.ReadSeconds, lp.AloneSeconds)
	}
}
