package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant"
)

// speedResult is one line of `bench speed -json`.
type speedResult struct {
	Type          string  `json:"type"`
	Model         string  `json:"model"`
	FileBytes     int64   `json:"file_bytes"`
	BitsPerWeight float64 `json:"bits_per_weight"`
	Threads       int     `json:"threads"`
	P             int     `json:"p"`
	N             int     `json:"n"`
	Reps          int     `json:"reps"`
	Parallel      int     `json:"parallel"` // sessions decoding in one batch; tg is their total
	Repack        string  `json:"repack"`
	RepackedBytes int64   `json:"repacked_bytes"`
	LoadSeconds   float64 `json:"load_s"`
	// Time to first token from a file in the page cache: Load, a Session,
	// a TTFTPrompt-token prompt and the first token chosen; then the same
	// prompt again in a new Session of the loaded model (the prompt's
	// compute alone). TTFT - TTFTWarm is what starting costs.
	TTFTPrompt    int     `json:"ttft_prompt"`
	TTFT          float64 `json:"ttft_s"`
	TTFTWarm      float64 `json:"ttft_warm_s"`
	PP            float64 `json:"pp_tok_s"`     // median
	PPMin         float64 `json:"pp_tok_s_min"` // spread over repetitions
	PPMax         float64 `json:"pp_tok_s_max"`
	TG            float64 `json:"tg_tok_s"`
	TGMin         float64 `json:"tg_tok_s_min"`
	TGMax         float64 `json:"tg_tok_s_max"`
	KVBytes       int64   `json:"kv_bytes"`
	PeakRSS       int64   `json:"peak_rss_bytes"`
	BytesPerToken int64   `json:"bytes_per_token"` // weights read per generated token
	ReadGBs       float64 `json:"read_gb_s,omitempty"`
	BoundTokS     float64 `json:"bound_tok_s,omitempty"` // ReadGBs / BytesPerToken
	BoundFraction float64 `json:"bound_fraction,omitempty"`
}

func speedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("speed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "GGUF model to measure (comma-separated for several)")
	types := fs.String("types", "Q4_0", "without -model: types of synthetic models of Mistral 7B's shape to measure")
	shape := fs.String("shape", "7b", "shape of synthetic models: 7b, or 7b-4layers (7B width, 4 layers)")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "compute threads")
	p := fs.Int("p", 512, "prompt length (tokens processed in one go)")
	n := fs.Int("n", 128, "tokens generated after the prompt")
	reps := fs.Int("reps", 3, "repetitions (after one warm-up)")
	batch := fs.Int("batch", 0, "session batch size (0: the library's default)")
	parallel := fs.Int("parallel", 1, "sessions decoding together in one batch (generation speed is their total)")
	asJSON := fs.Bool("json", false, "print one JSON object per model instead of a table")
	noBandwidth := fs.Bool("no-bandwidth", false, "skip measuring the memory bandwidth")
	var repack mistral.RepackMode
	fs.TextVar(&repack, "repack", mistral.RepackAtLoad, "when to repack weights (mistral.Config.Repack): load, background (measured after it ends) or off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	paths, labels, err := modelsToMeasure(ctx, *model, *types, *shape, stderr)
	if err != nil {
		return err
	}
	var bw float64
	if !*noBandwidth {
		bw = readBandwidth(*threads, 1<<30, 5)
		fmt.Fprintf(stderr, "memory read bandwidth: %.1f GB/s\n", bw)
	}
	var results []speedResult
	for i, path := range paths {
		fmt.Fprintf(stderr, "measuring %s ...\n", path)
		r, err := speedChild(ctx, path, speedOpts{threads: *threads, p: *p, n: *n, reps: *reps, batch: *batch,
			parallel: *parallel, repack: repack})
		if err != nil {
			return err
		}
		if labels[i] != "" {
			r.Type = labels[i]
		}
		if bw > 0 && r.BytesPerToken > 0 {
			r.ReadGBs = bw
			r.BoundTokS = bw * 1e9 / float64(r.BytesPerToken)
			r.BoundFraction = r.TG / r.BoundTokS
		}
		results = append(results, r)
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(r); err != nil {
				return err
			}
		}
	}
	if !*asJSON {
		printSpeedTable(stdout, results)
	}
	return nil
}

func printSpeedTable(w io.Writer, rs []speedResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tsize GB\tbits/weight\tload s\tfirst token s\t(prompt alone)\tpp tok/s\t(min-max)\ttg tok/s\t(min-max)\tof bound\tpeak RSS GB\t")
	for _, r := range rs {
		bound := "-"
		if r.BoundFraction > 0 {
			bound = fmt.Sprintf("%.0f%%", 100*r.BoundFraction)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f\t(%.2f)\t%.1f\t(%.1f-%.1f)\t%.2f\t(%.2f-%.2f)\t%s\t%.2f\t\n",
			r.Type, float64(r.FileBytes)/1e9, r.BitsPerWeight, r.LoadSeconds, r.TTFT, r.TTFTWarm, r.PP, r.PPMin, r.PPMax,
			r.TG, r.TGMin, r.TGMax, bound, float64(r.PeakRSS)/1e9)
	}
	tw.Flush()
}

// speedOpts are the settings of one speed measurement.
type speedOpts struct {
	threads, p, n, reps, batch, parallel int
	repack                               mistral.RepackMode
}

// speedChild measures one model in a child process, so that its peak RSS
// is its own.
func speedChild(ctx context.Context, path string, o speedOpts) (speedResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return speedResult{}, err
	}
	cmd := exec.CommandContext(ctx, exe, "speed-one", "-model", path, "-threads", fmt.Sprint(o.threads),
		"-p", fmt.Sprint(o.p), "-n", fmt.Sprint(o.n), "-reps", fmt.Sprint(o.reps), "-batch", fmt.Sprint(o.batch),
		"-parallel", fmt.Sprint(o.parallel), "-repack", o.repack.String())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return speedResult{}, fmt.Errorf("measuring %s: %w", path, err)
	}
	var r speedResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return r, fmt.Errorf("measuring %s: %w", path, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.PeakRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return r, nil
}

// speedOneCmd is the child: it loads the model, warms up (a short prompt
// and a few tokens), then times prompt processing and generation the way
// llama.cpp's bench does (a fresh context per repetition; p prompt tokens;
// n single-token steps after it).
func speedOneCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("speed-one", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("model", "", "model")
	threads := fs.Int("threads", 2, "threads")
	p := fs.Int("p", 512, "prompt length")
	n := fs.Int("n", 128, "generated tokens")
	reps := fs.Int("reps", 3, "repetitions")
	batch := fs.Int("batch", 0, "batch size")
	parallel := fs.Int("parallel", 1, "sessions decoding together")
	var mode mistral.RepackMode
	fs.TextVar(&mode, "repack", mistral.RepackAtLoad, "load, background or off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := speedResult{Model: *path, Threads: *threads, P: *p, N: *n, Reps: *reps, Parallel: *parallel,
		Repack: mode.String(), TTFTPrompt: ttftPrompt}
	if err := describeFile(*path, &r); err != nil {
		return err
	}
	if err := readThrough(*path); err != nil { // into the page cache, untimed
		return err
	}
	start := time.Now()
	m, err := mistral.Load(ctx, *path, mistral.Config{Threads: *threads, Repack: mode})
	if err != nil {
		return err
	}
	defer m.Close()
	r.LoadSeconds = time.Since(start).Seconds()
	vocab := m.Params().Vocab
	prompt := make([]int32, max(*p, ttftPrompt))
	for i := range prompt {
		prompt[i] = int32(1 + (i*7919)%(vocab-1)) // the ids llamaref's bench uses
	}
	// The first token, cold (this also warms up), then the same work warm.
	first, err := firstToken(ctx, m, prompt[:ttftPrompt], *batch)
	if err != nil {
		return err
	}
	r.TTFT = r.LoadSeconds + first.Seconds()
	warm, err := firstToken(ctx, m, prompt[:ttftPrompt], *batch)
	if err != nil {
		return err
	}
	r.TTFTWarm = warm.Seconds()
	fmt.Fprintf(stderr, "  first token %.2f s after Load began (load %.2f s); the same prompt warm %.2f s\n",
		r.TTFT, r.LoadSeconds, r.TTFTWarm)
	// Speeds are measured with the weights as they end up.
	t0 := time.Now()
	if err := m.WaitRepack(ctx); err != nil {
		return err
	}
	if mode == mistral.RepackInBackground {
		fmt.Fprintf(stderr, "  repacking in the background ended %.2f s later\n", time.Since(t0).Seconds())
	}
	r.RepackedBytes = m.RepackedBytes()
	prompt = prompt[:*p]
	var pps, tgs []float64
	for rep := 0; rep <= *reps && *parallel > 1; rep++ {
		// The first repetition warms up.
		tg, err := batchedGeneration(ctx, m, prompt, *n, *parallel, *batch)
		if err != nil {
			return err
		}
		if rep > 0 {
			tgs = append(tgs, tg)
		}
		fmt.Fprintf(stderr, "  rep %d: %d sessions together: %.2f tok/s in all\n", rep, *parallel, tg)
	}
	// Warm up: a short prompt and a few tokens touch every weight (bringing
	// the file into the page cache) and the allocators.
	if err := warmUp(ctx, m, prompt[:min(16, len(prompt))], *batch); err != nil {
		return err
	}
	for rep := 0; rep < *reps && *parallel == 1; rep++ {
		s, err := m.NewSession(mistral.SessionConfig{BatchSize: *batch})
		if err != nil {
			return err
		}
		r.KVBytes = s.CacheBytes()
		t0 := time.Now()
		if err := s.Feed(ctx, prompt); err != nil {
			return err
		}
		pp := float64(*p) / time.Since(t0).Seconds()
		t0 = time.Now()
		for i := 0; i < *n; i++ {
			if err := s.Feed(ctx, []int32{int32(1 + i)}); err != nil {
				return err
			}
		}
		tg := float64(*n) / time.Since(t0).Seconds()
		s.Close()
		pps, tgs = append(pps, pp), append(tgs, tg)
		fmt.Fprintf(stderr, "  rep %d: pp %.2f tok/s, tg %.2f tok/s\n", rep, pp, tg)
	}
	r.PP, r.PPMin, r.PPMax = medianSpread(pps)
	r.TG, r.TGMin, r.TGMax = medianSpread(tgs)
	return json.NewEncoder(stdout).Encode(r)
}

// describeFile fills the type, size, bits per weight and bytes read per
// generated token (every weight but the embedding, of which one row is read).
func describeFile(path string, r *speedResult) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	g, err := gguf.Decode(f, st.Size())
	if err != nil {
		return err
	}
	r.FileBytes = st.Size()
	var bytes, elems int64
	perType := map[ggml.Type]int64{}
	for _, t := range g.Tensors {
		bytes += t.Bytes()
		elems += t.Elements()
		perType[t.Type] += t.Bytes()
		if t.Name != arch.TokenEmbd.Name(-1) {
			r.BytesPerToken += t.Bytes()
		}
	}
	if elems > 0 {
		r.BitsPerWeight = float64(bytes*8) / float64(elems)
	}
	r.Type = ftypeName(g, perType)
	return nil
}

// ftypeName names a file's quantisation: general.file_type when it is one
// of llama.cpp's, else the type holding most bytes.
func ftypeName(g *gguf.File, perType map[ggml.Type]int64) string {
	if n, err := g.Uint("general.file_type"); err == nil && n <= math.MaxUint32 {
		if ft := quant.FileType(n); ft.Valid() {
			return ft.String()
		}
	}
	var best ggml.Type
	for t, b := range perType {
		if b > perType[best] {
			best = t
		}
	}
	return strings.ToUpper(best.String())
}

func medianSpread(v []float64) (median, lo, hi float64) {
	if len(v) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	median = s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return median, s[0], s[len(s)-1]
}

// batchedGeneration prefills parallel sessions with the prompt, then
// generates n tokens in each from its own goroutine (greedy, past EOS), as
// users run several Sessions at once: the Model batches their steps. It
// returns the total tokens per second of the generation.
func batchedGeneration(ctx context.Context, m *mistral.Model, prompt []int32, n, parallel, batch int) (float64, error) {
	sessions := make([]*mistral.Session, parallel)
	for i := range sessions {
		s, err := m.NewSession(mistral.SessionConfig{BatchSize: batch})
		if err != nil {
			return 0, err
		}
		defer s.Close()
		if err := s.Feed(ctx, prompt); err != nil {
			return 0, err
		}
		sessions[i] = s
	}
	errs := make([]error, parallel)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, s := range sessions {
		wg.Go(func() {
			for _, err := range s.GenerateTokens(ctx, nil, mistral.GenerateConfig{MaxTokens: n, IgnoreEOS: true}) {
				if err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return float64(n*parallel) / time.Since(t0).Seconds(), nil
}

// warmUp computes a short prompt and a few tokens, which reads every weight.
// ttftPrompt is the prompt length of the time-to-first-token measurement.
const ttftPrompt = 16

// firstToken makes a Session, feeds it the prompt and chooses the first
// token (greedy), returning how long that took.
func firstToken(ctx context.Context, m *mistral.Model, prompt []int32, batch int) (time.Duration, error) {
	t0 := time.Now()
	s, err := m.NewSession(mistral.SessionConfig{BatchSize: batch})
	if err != nil {
		return 0, err
	}
	defer s.Close()
	if err := s.Feed(ctx, prompt); err != nil {
		return 0, err
	}
	new(mistral.Sampler).Sample(s.Logits()) // the zero Sampler is greedy
	return time.Since(t0), nil
}

// readThrough reads the file once so that it sits in the page cache.
func readThrough(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

func warmUp(ctx context.Context, m *mistral.Model, prompt []int32, batch int) error {
	s, err := m.NewSession(mistral.SessionConfig{BatchSize: batch})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Feed(ctx, prompt); err != nil {
		return err
	}
	for i := 0; i < 4; i++ {
		if err := s.Feed(ctx, []int32{int32(2 + i)}); err != nil {
			return err
		}
	}
	return nil
}
