package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gomistral/gomistral/internal/synth"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"
	"github.com/gomistral/gomistral/quant"
)

// levelRow is one quantisation level in the comparison.
type levelRow struct {
	Type string
	// Quality, on the small real model.
	SmallBytes    int64
	SmallBPW      float64
	Perplexity    float64
	PPLRatio      float64 // to the F16 model's
	MeanKL        float64 // from the F16 model
	Top1Agreement float64
	// Speed, on the 7B shape.
	Speed speedResult
}

func levelsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("levels", flag.ContinueOnError)
	fs.SetOutput(stderr)
	types := fs.String("types", "F16,Q8_0,Q6_K,Q5_K_M,Q5_0,Q4_K_M,Q4_0,Q3_K_M,Q2_K", "file types to compare")
	src := fs.String("src", "", "Hugging Face folder of the small real model quantised for quality (required)")
	text := fs.String("text", "", "text for perplexity, held out from the small model's training (required)")
	tokens := fs.Int("tokens", 4096, "tokens of the text to score (0: all)")
	out := fs.String("out", "", "folder to write the table, CSV and chart to (default: none, the table goes to standard output only)")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "compute threads")
	p := fs.Int("p", 128, "speed: prompt length on the 7B shape")
	n := fs.Int("n", 32, "speed: generated tokens on the 7B shape")
	reps := fs.Int("reps", 2, "speed: repetitions")
	noSpeed := fs.Bool("no-speed", false, "skip the speed measurements on the 7B shape")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" || *text == "" {
		return errors.New("levels: -src and -text are required (from the repository's folder, with the reference " +
			"data beside it: -src ../shared/testdata/tiny-mistral-v3 -text ../shared/testdata/war-and-peace-heldout.txt)")
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
	}
	work, err := os.MkdirTemp("", "gomistral-levels-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	raw, err := os.ReadFile(*text)
	if err != nil {
		return fmt.Errorf("levels: the perplexity text: %w", err)
	}
	bar := newBar(stderr, "levels")
	names := strings.Split(*types, ",")
	var rows []levelRow
	var basePath string
	bar.total(len(names) * 2)
	for _, name := range names {
		ft, err := quant.ParseFileType(name)
		if err != nil {
			return err
		}
		dst := filepath.Join(work, "small-"+ft.String()+".gguf")
		bar.step("quantising the small model to " + ft.String())
		res, err := quant.Quantize(ctx, *src, dst, quant.QuantizeOptions{Type: ft, Threads: *threads})
		if err != nil {
			return err
		}
		if basePath == "" {
			basePath = dst // the first type is the base (F16 by default)
		}
		row := levelRow{Type: ft.String(), SmallBytes: res.OutputBytes, SmallBPW: res.BitsPerWeight()}
		sample, err := firstTokens(dst, string(raw), *tokens)
		if err != nil {
			return err
		}
		r, err := measurePerplexity(ctx, dst, basePath, sample, 0, *threads)
		if err != nil {
			return err
		}
		row.Perplexity, row.MeanKL, row.Top1Agreement = r.PPL, r.MeanKL, r.Top1Agreement
		row.PPLRatio = r.PPL / r.BasePPL
		if !*noSpeed {
			bar.step("measuring the 7B shape in " + ft.String())
			path, err := synthFile(ctx, synth.Mistral7B, ft.String(), io.Discard)
			if err != nil {
				return err
			}
			row.Speed, err = speedChild(ctx, path, speedOpts{threads: *threads, p: *p, n: *n, reps: *reps, parallel: 1})
			if err != nil {
				return err
			}
			row.Speed.Type = ft.String()
		} else {
			bar.step("skipping speed")
		}
		rows = append(rows, row)
	}
	bar.done()
	printLevels(stdout, rows)
	if *out == "" {
		return nil
	}
	cmd := "go run ./bench levels " + strings.Join(args, " ")
	if err := writeLevels(*out, cmd, filepath.Base(*src), rows, *tokens, *p, *n, *threads); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwritten: %s\n", strings.Join([]string{
		filepath.Join(*out, "levels.md"), filepath.Join(*out, "levels.csv"), filepath.Join(*out, "levels.svg")}, ", "))
	return nil
}

// firstTokens returns the longest prefix of text that encodes to at most n
// tokens with the model's tokenizer (all of it when n is 0), cut at a line.
func firstTokens(modelPath, text string, n int) (string, error) {
	if n <= 0 {
		return text, nil
	}
	tok, err := tokenizerOf(modelPath)
	if err != nil {
		return "", err
	}
	lines := strings.SplitAfter(text, "\n")
	lo, hi := 0, len(lines)
	for lo < hi { // binary search on the number of lines
		mid := (lo + hi + 1) / 2
		ids, err := tok.Encode(strings.Join(lines[:mid], ""), tokenizer.EncodeOptions{})
		if err != nil {
			return "", err
		}
		if len(ids) <= n {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return strings.Join(lines[:lo], ""), nil
}

func tokenizerOf(modelPath string) (*tokenizer.Tokenizer, error) {
	m, err := mistral.Load(context.Background(), modelPath, mistral.Config{Threads: 1})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.Tokenizer(), nil
}

func printLevels(w io.Writer, rows []levelRow) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tbits/weight\tperplexity\tvs F16\tKL from F16\ttop-1 agreement\t7B size GB\t7B pp tok/s\t7B tg tok/s\t7B peak RSS GB\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.2f\t%.3f\t%+.2f%%\t%.5f\t%.1f%%\t%s\t\n",
			r.Type, r.SmallBPW, r.Perplexity, 100*(r.PPLRatio-1), r.MeanKL, 100*r.Top1Agreement,
			strings.Join(r.speedCells(), "\t"))
	}
	tw.Flush()
}

// speedCells returns the row's 7B columns for the tables: file size in GB,
// prompt and generation tokens per second, peak RSS in GB.
func (r levelRow) speedCells() []string {
	return []string{measured("%.2f", float64(r.Speed.FileBytes)/1e9), measured("%.2f", r.Speed.PP),
		measured("%.2f", r.Speed.TG), measured("%.2f", float64(r.Speed.PeakRSS)/1e9)}
}

// measured formats a 7B figure, or gives "n/a" for 0: not measured (none
// are with -no-speed; the peak RSS is not where the system does not tell).
func measured(format string, v float64) string {
	if v == 0 {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}

// writeLevels writes levels.md, levels.csv and levels.svg to dir; model
// names the small model.
func writeLevels(dir, cmd, model string, rows []levelRow, tokens, p, n, threads int) error {
	var md strings.Builder
	fmt.Fprintf(&md, "# Quantisation levels\n\nMade on %s (%s, %d threads) on %s with:\n\n    CGO_CFLAGS=\"-O3 -march=native\" CGO_CXXFLAGS=\"-O3 -march=native\" %s\n\n",
		cpuModel(), runtime.GOARCH, threads, time.Now().UTC().Format("2006-01-02"), cmd)
	fmt.Fprintf(&md, "Quality: %s quantised by this library from its Hugging Face files, perplexity on the first %d tokens of the held-out text (one stream), KL divergence and top-1 agreement against the F16 model. Speed: synthetic models of Mistral 7B's exact shape in the same file types, prompt of %d tokens, %d generated.\n\n", model, tokens, p, n)
	md.WriteString("| type | bits/weight | perplexity | vs F16 | KL from F16 | top-1 agreement | 7B size GB | 7B pp tok/s | 7B tg tok/s | 7B peak RSS GB |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&md, "| %s | %.2f | %.3f | %+.2f%% | %.5f | %.1f%% | %s |\n",
			r.Type, r.SmallBPW, r.Perplexity, 100*(r.PPLRatio-1), r.MeanKL, 100*r.Top1Agreement,
			strings.Join(r.speedCells(), " | "))
	}
	md.WriteString("\n![quality and speed against size](levels.svg)\n")
	if err := os.WriteFile(filepath.Join(dir, "levels.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "levels.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"type", "bits_per_weight", "perplexity", "perplexity_ratio_to_f16", "mean_kl_from_f16", "top1_agreement",
		"size_7b_bytes", "pp_tok_s_7b", "tg_tok_s_7b", "peak_rss_7b_bytes"})
	for _, r := range rows {
		w.Write([]string{r.Type, fmt.Sprintf("%.4f", r.SmallBPW), fmt.Sprintf("%.5f", r.Perplexity), fmt.Sprintf("%.5f", r.PPLRatio),
			fmt.Sprintf("%.6f", r.MeanKL), fmt.Sprintf("%.5f", r.Top1Agreement), measured("%.0f", float64(r.Speed.FileBytes)),
			measured("%.4f", r.Speed.PP), measured("%.4f", r.Speed.TG), measured("%.0f", float64(r.Speed.PeakRSS))})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "levels.svg"), []byte(levelsChart(rows)), 0o644)
}

// cpuModel returns the processor's name as Linux reports it, or "this
// machine" elsewhere.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "this machine"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "this machine"
}
