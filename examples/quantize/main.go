// Command quantize writes a Mistral model as a GGUF file in one of the
// quantisations users know from llama.cpp (Q4_K_M, Q8_0, F16, ...).
//
//	go run ./examples/quantize -in mistral-7b-v0.1/ -out mistral-7b-v0.1.Q4_K_M.gguf -type Q4_K_M
//	go run ./examples/quantize -in mistral-7b-v0.1.F16.gguf -out mistral-7b-v0.1.Q8_0.gguf -type Q8_0
//
// -in is a Hugging Face folder (config.json, safetensors, tokenizer.model),
// a Mistral consolidated folder (params.json, consolidated.safetensors,
// tokenizer.model) or a GGUF file. A folder is converted and quantised in
// one pass. A GGUF file that is quantised already is dequantised first,
// which adds the errors of both quantisations: quantise from F16, BF16 or
// F32 when you can.
//
// On a terminal it shows a progress bar on standard error; either way it
// prints a summary on standard output at the end: sizes, bits per weight,
// and the tensors of each type. It never overwrites its input, and writes
// to a temporary file renamed at the end, so that an error or Ctrl-C leaves
// no file behind.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/quant"
)

func main() { cli.Main("quantize", run) }

// isTerminal reports whether w is a terminal, where a progress bar belongs.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// run is the program, with its arguments and standard streams.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("quantize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var names []string
	for _, ft := range quant.FileTypes() {
		names = append(names, ft.String())
	}
	var (
		in      = fs.String("in", "", "the model: a Hugging Face or consolidated folder, or a GGUF file (required)")
		out     = fs.String("out", "", "the GGUF file to write (required)")
		typ     = fs.String("type", "", "the quantisation: "+strings.Join(names, ", ")+" (required)")
		name    = fs.String("name", "", "general.name (default: the GGUF's name, or the folder's)")
		threads = fs.Int("threads", 0, "goroutines quantising rows (0: one per CPU)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case *in == "" || *out == "" || *typ == "":
		fs.Usage()
		return errors.New("-in, -out and -type are required")
	}
	ft, err := quant.ParseFileType(*typ)
	if err != nil {
		return err
	}

	opts := quant.QuantizeOptions{Type: ft, Name: *name, Threads: *threads}
	if isTerminal(stderr) {
		bar := newProgressBar(stderr, ft)
		defer bar.finish()
		opts.Progress = bar.update
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	start := time.Now()
	res, err := quant.Quantize(ctx, *in, *out, opts)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: no file written (%w)", ctx.Err())
		}
		return err
	}
	summarize(stdout, *in, res, time.Since(start))
	return nil
}

// progressBar shows the bytes of the model processed so far.
type progressBar struct {
	w   io.Writer
	ft  quant.FileType
	bar *progressbar.ProgressBar
}

func newProgressBar(w io.Writer, ft quant.FileType) *progressBar {
	return &progressBar{w: w, ft: ft}
}

// update is a quant.QuantizeOptions.Progress function.
func (p *progressBar) update(pr quant.Progress) {
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(pr.TotalBytes,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.ft.String()),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if pr.Tensor != "" {
		p.bar.Describe(fmt.Sprintf("%s %-26s", p.ft, pr.Tensor))
	}
	_ = p.bar.Set64(pr.Bytes)
}

// finish clears the bar.
func (p *progressBar) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// summarize prints the sizes, the bits per weight and the tensors of each
// type.
func summarize(w io.Writer, src string, res *quant.QuantizeResult, elapsed time.Duration) {
	fmt.Fprintf(w, "%s (%s) -> %s: %s in %v\n", src, res.Layout, res.Path, res.Type, elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  input:  %s of tensor data (%s)\n", megabytes(res.InputBytes), sourceTypes(res))
	fmt.Fprintf(w, "  output: %s file, %s of tensor data for %.1fM weights: %.2f bits per weight\n",
		megabytes(res.OutputBytes), megabytes(res.TensorBytes()), float64(res.Elements())/1e6, res.BitsPerWeight())

	type row struct {
		typ              gguf.Type
		tensors, fallbck int
		weights, bytes   int64
	}
	var rows []*row
	byType := map[gguf.Type]*row{}
	for _, t := range res.Tensors {
		r := byType[t.Type]
		if r == nil {
			r = &row{typ: t.Type}
			byType[t.Type] = r
			rows = append(rows, r)
		}
		r.tensors++
		r.weights += t.Elements()
		r.bytes += t.Bytes
		if t.Fallback {
			r.fallbck++
		}
	}
	slices.SortFunc(rows, func(a, b *row) int { return cmp.Compare(b.bytes, a.bytes) })
	fmt.Fprintf(w, "  %-8s %8s %14s %12s %12s\n", "type", "tensors", "weights", "MB", "bits/weight")
	fallbacks := 0
	for _, r := range rows {
		fmt.Fprintf(w, "  %-8s %8d %14d %12.2f %12.2f\n", r.typ, r.tensors, r.weights, float64(r.bytes)/1e6, 8*float64(r.bytes)/float64(r.weights))
		fallbacks += r.fallbck
	}
	switch {
	case fallbacks == 1:
		fmt.Fprintf(w, "  1 tensor has rows too short for the blocks of its type in %s: it uses a fallback type\n", res.Type)
	case fallbacks > 1:
		fmt.Fprintf(w, "  %d tensors have rows too short for the blocks of their type in %s: they use a fallback type\n", fallbacks, res.Type)
	}
	if res.Requantized {
		fmt.Fprintln(w, "  warning: the source was quantised already; its tensors were dequantised and quantised again, which adds the errors of both")
	}
}

// sourceTypes describes the types of the source tensors: "f16 and f32".
func sourceTypes(res *quant.QuantizeResult) string {
	var types []string
	for _, t := range res.Tensors {
		if s := t.From.String(); !slices.Contains(types, s) {
			types = append(types, s)
		}
	}
	if len(types) > 1 {
		return strings.Join(types[:len(types)-1], ", ") + " and " + types[len(types)-1]
	}
	return strings.Join(types, "")
}

// megabytes formats a size in MB (10^6 bytes).
func megabytes(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }
