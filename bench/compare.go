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
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/gomistral/gomistral/mistral"
)

// compareResult is one model's side-by-side measurement.
type compareResult struct {
	Model        string    `json:"model"`
	Type         string    `json:"type"`
	Threads      int       `json:"threads"`
	P            int       `json:"p"`
	N            int       `json:"n"`
	Rounds       int       `json:"rounds"`
	OursPP       []float64 `json:"ours_pp_tok_s"`
	OursTG       []float64 `json:"ours_tg_tok_s"`
	LlamaPP      []float64 `json:"llamacpp_pp_tok_s"`
	LlamaTG      []float64 `json:"llamacpp_tg_tok_s"`
	PPRatio      float64   `json:"pp_ratio"` // median ours / median llama.cpp
	TGRatio      float64   `json:"tg_ratio"`
	OursKV       int64     `json:"ours_kv_bytes"`
	LlamaKV      int64     `json:"llamacpp_kv_bytes"` // as llama.cpp allocates it: every position of its context, F16
	ReadGBs      float64   `json:"read_gb_s"`
	BoundTokS    float64   `json:"bound_tok_s"`
	OursOfBound  float64   `json:"ours_tg_of_bound"`
	LlamaOfBound float64   `json:"llamacpp_tg_of_bound"`
	OursRSS      int64     `json:"ours_peak_rss_bytes"` // the highest over the rounds
	LlamaRSS     int64     `json:"llamacpp_peak_rss_bytes"`
	LlamaBuild   string    `json:"llamacpp_build"` // what its load log says of repacking and flash attention
}

// compareCmd measures this library and llama.cpp (through llamaref) on the
// same files, same threads, same prompt and generation lengths, in
// alternating rounds, and prints medians and ratios.
func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	llamaref := fs.String("llamaref", os.Getenv("LLAMAREF"), "the llamaref binary (default $LLAMAREF, else /tmp/llamaref)")
	model := fs.String("model", "", "GGUF models (comma-separated); default: synthetic models of -types")
	types := fs.String("types", "Q4_0,Q4_K_M,Q8_0", "without -model: file types of synthetic models")
	shape := fs.String("shape", "7b", "shape of synthetic models: 7b or 7b-4layers")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "threads for both")
	p := fs.Int("p", 512, "prompt length")
	n := fs.Int("n", 128, "generated tokens")
	rounds := fs.Int("rounds", 3, "alternating rounds (each side runs one measurement per round, after its own warm-up)")
	llamaWarmup := fs.Bool("llama-warmup", true, "run llama.cpp's bench with a second repetition and keep only it (its first warms up); off for very long prompts")
	asJSON := fs.Bool("json", false, "print one JSON object per model")
	var repack mistral.RepackMode
	fs.TextVar(&repack, "repack", mistral.RepackAtLoad, "when our side repacks weights: load, background or off (mistral.Config.Repack)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *llamaref == "" {
		*llamaref = "/tmp/llamaref"
	}
	if _, err := os.Stat(*llamaref); err != nil {
		return fmt.Errorf("compare: llamaref not found at %s (build it with ../shared/tools/llamaref/build.sh)", *llamaref)
	}
	paths, labels, err := modelsToMeasure(ctx, *model, *types, *shape, stderr)
	if err != nil {
		return err
	}
	bw := readBandwidth(*threads, 1<<30, 5)
	fmt.Fprintf(stderr, "memory read bandwidth: %.1f GB/s\n", bw)
	var results []compareResult
	for i, path := range paths {
		r := compareResult{Model: path, Type: labels[i], Threads: *threads, P: *p, N: *n, Rounds: *rounds, ReadGBs: bw}
		for round := 0; round < *rounds; round++ {
			ours, err := speedChild(ctx, path, speedOpts{threads: *threads, p: *p, n: *n, reps: 1, parallel: 1,
				repack: repack})
			if err != nil {
				return err
			}
			r.OursPP = append(r.OursPP, ours.PP)
			r.OursTG = append(r.OursTG, ours.TG)
			r.OursKV = ours.KVBytes
			r.OursRSS = max(r.OursRSS, ours.PeakRSS)
			if r.Type == "" {
				r.Type = ours.Type
			}
			if ours.BytesPerToken > 0 {
				r.BoundTokS = bw * 1e9 / float64(ours.BytesPerToken)
			}
			lb, err := llamaBench(ctx, *llamaref, path, *threads, *p, *n, *llamaWarmup)
			if err != nil {
				return err
			}
			pp, tg := lb.pp, lb.tg
			r.LlamaRSS = max(r.LlamaRSS, lb.peakRSS)
			r.LlamaBuild = lb.build
			r.LlamaPP, r.LlamaTG = append(r.LlamaPP, pp), append(r.LlamaTG, tg)
			fmt.Fprintf(stderr, "%s round %d: ours pp %.2f tg %.2f; llama.cpp pp %.2f tg %.2f tok/s\n",
				r.Type, round, ours.PP, ours.TG, pp, tg)
		}
		op, _, _ := medianSpread(r.OursPP)
		ot, _, _ := medianSpread(r.OursTG)
		lp, _, _ := medianSpread(r.LlamaPP)
		lt, _, _ := medianSpread(r.LlamaTG)
		r.PPRatio, r.TGRatio = op/lp, ot/lt
		if r.BoundTokS > 0 {
			r.OursOfBound, r.LlamaOfBound = ot/r.BoundTokS, lt/r.BoundTokS
		}
		r.LlamaKV = llamaKVBytes(path, *p+*n+16)
		results = append(results, r)
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(r); err != nil {
				return err
			}
		}
	}
	if !*asJSON {
		printCompare(stdout, results)
	}
	return nil
}

func modelsToMeasure(ctx context.Context, model, types, shape string, stderr io.Writer) (paths, labels []string, err error) {
	if model != "" {
		for _, m := range strings.Split(model, ",") {
			paths, labels = append(paths, m), append(labels, "")
		}
		return paths, labels, nil
	}
	sh, err := shapeByName(shape)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range strings.Split(types, ",") {
		path, err := synthFile(ctx, sh, name, stderr)
		if err != nil {
			return nil, nil, err
		}
		paths, labels = append(paths, path), append(labels, strings.ToUpper(name))
	}
	return paths, labels, nil
}

// llamaRun is one run of llamaref's bench.
type llamaRun struct {
	pp, tg  float64 // tokens/s of the last repetition
	peakRSS int64
	build   string
}

// llamaBench runs llamaref's bench once (two repetitions: it has no warm-up
// of its own, so the first is dropped) and returns its prompt and
// generation speeds, its peak RSS and what its log says of its build.
func llamaBench(ctx context.Context, llamaref, path string, threads, p, n int, warmup bool) (llamaRun, error) {
	reps := "1"
	if warmup {
		reps = "2"
	}
	cmd := exec.CommandContext(ctx, llamaref, "bench", "-m", path, "-p", fmt.Sprint(p), "-n", fmt.Sprint(n),
		"-r", reps, "-t", fmt.Sprint(threads), "-c", fmt.Sprint(p+n+16))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return llamaRun{}, fmt.Errorf("llamaref bench: %w: %s", err, lastLines(errOut.String(), 5))
	}
	var r struct {
		PP []float64 `json:"pp_tok_s"`
		TG []float64 `json:"tg_tok_s"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.PP) < 1 || len(r.TG) < 1 {
		return llamaRun{}, errors.New("llamaref bench: unexpected output: " + out.String())
	}
	run := llamaRun{pp: r.PP[len(r.PP)-1], tg: r.TG[len(r.TG)-1], build: llamaBuild(errOut.String())}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.peakRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return run, nil
}

// llamaBuild says, from llama.cpp's load log, whether weights were
// repacked for the interleaved kernels (the default build does it for
// Q4_0, IQ4_NL and Q4_K) and whether attention was flash attention.
func llamaBuild(log string) string {
	repack := "no weights repacked (built without GGML_CPU_REPACK, or none of this type)"
	if strings.Contains(log, "CPU_REPACK model buffer size") {
		repack = "weights repacked at load (CPU_REPACK)"
	}
	attn := "attention without flash attention"
	if strings.Contains(log, "Flash Attention was auto, set to enabled") || strings.Contains(log, "flash_attn    = enabled") {
		attn = "flash attention"
	}
	return repack + ", " + attn
}

// llamaKVBytes is the KV cache llama.cpp allocates for a context of nctx
// positions (padded to 256) in F16 for the model's layers and kv width.
func llamaKVBytes(path string, nctx int) int64 {
	var r speedResult
	if describeFile(path, &r) != nil {
		return 0
	}
	p, err := fileParams(path)
	if err != nil {
		return 0
	}
	ctx := int64((nctx + 255) / 256 * 256)
	return ctx * int64(p.Layers) * 2 * int64(p.KVDim()) * 2
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func printCompare(w io.Writer, rs []compareResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tthreads\tp\tn\tpp ours\tpp llama.cpp\tpp ratio\ttg ours\ttg llama.cpp\ttg ratio\ttg bound\tours of bound\tKV ours MB\tKV llama.cpp MB\tpeak RSS ours GB\tllama.cpp GB\tRSS ratio\t")
	for _, r := range rs {
		op, _, _ := medianSpread(r.OursPP)
		ot, _, _ := medianSpread(r.OursTG)
		lp, _, _ := medianSpread(r.LlamaPP)
		lt, _, _ := medianSpread(r.LlamaTG)
		rss := "-"
		if r.OursRSS > 0 && r.LlamaRSS > 0 {
			rss = fmt.Sprintf("%.2fx", float64(r.OursRSS)/float64(r.LlamaRSS))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.2f\t%.2fx\t%.2f\t%.2f\t%.2fx\t%.2f\t%.0f%%\t%.0f\t%.0f\t%.2f\t%.2f\t%s\t\n",
			r.Type, r.Threads, r.P, r.N, op, lp, r.PPRatio, ot, lt, r.TGRatio, r.BoundTokS, 100*r.OursOfBound,
			float64(r.OursKV)/1e6, float64(r.LlamaKV)/1e6, float64(r.OursRSS)/1e9, float64(r.LlamaRSS)/1e9, rss)
	}
	tw.Flush()
	for _, r := range rs {
		if r.LlamaBuild != "" {
			fmt.Fprintf(w, "llama.cpp (%s): %s\n", r.Type, r.LlamaBuild)
		}
	}
}
