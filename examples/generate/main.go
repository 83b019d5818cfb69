// Command generate continues a prompt with a Mistral model and prints only
// the generated text on standard output (logs and timing go to standard
// error).
//
//	go run ./examples/generate -prompt "It was a fine morning" -n 64
//	go run ./examples/generate -model mistral-7b-v0.1.Q4_K_M.gguf -prompt "..." -temp 0.7 -top-p 0.9 -seed 42
//
// Without -model it runs the small model that ships with the library
// (package models). With -temp 0 (the default) it is greedy and
// deterministic.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"golang.org/x/term"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "generate:", err)
		}
		os.Exit(1)
	}
}

// stopFlags collects repeated -stop flags.
type stopFlags []string

func (s *stopFlags) String() string     { return fmt.Sprint(*s) }
func (s *stopFlags) Set(v string) error { *s = append(*s, v); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model   = fs.String("model", "", "GGUF model file (default: the small model shipped in package models)")
		prompt  = fs.String("prompt", "", "text to continue")
		n       = fs.Int("n", 128, "most tokens to generate (0: until end of sequence)")
		temp    = fs.Float64("temp", 0, "temperature; 0 is greedy")
		topK    = fs.Int("top-k", 0, "keep the K most likely tokens (0: off)")
		topP    = fs.Float64("top-p", 0, "nucleus sampling threshold (0: off)")
		minP    = fs.Float64("min-p", 0, "drop tokens less likely than this times the most likely (0: off)")
		repeat  = fs.Float64("repeat-penalty", 0, "penalty for recently used tokens, e.g. 1.1 (0: off)")
		seed    = fs.Uint64("seed", 0, "random seed; the same seed gives the same text (0: random)")
		threads = fs.Int("threads", 0, "compute threads (0: one per CPU)")
		stops   stopFlags
		repack  mistral.RepackMode
		verbose = fs.Bool("v", false, "log the model's details to standard error")
	)
	fs.TextVar(&repack, "repack", mistral.RepackAtLoad,
		"when Q4_0 weights are copied to the faster interleaved layout: load, background (first token sooner) or off")
	fs.Var(&stops, "stop", "stop before this string (repeatable); it is not printed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	path := *model
	if path == "" {
		var err error
		if path, err = models.TinyPath(); err != nil {
			return err
		}
	}
	start := time.Now()
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: *threads, Logger: logger, Repack: repack})
	if err != nil {
		return err
	}
	defer m.Close()
	loaded := time.Since(start)

	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return err
	}
	defer s.Close()
	cfg := mistral.GenerateConfig{
		SamplerConfig: mistral.SamplerConfig{
			Temperature:   float32(*temp),
			TopK:          *topK,
			TopP:          float32(*topP),
			MinP:          float32(*minP),
			RepeatPenalty: float32(*repeat),
			Seed:          *seed,
		},
		MaxTokens: *n,
		Stop:      stops,
	}
	promptStart := time.Now()
	var first time.Duration
	count := 0
	for tok, err := range s.Generate(ctx, *prompt, cfg) {
		if err != nil {
			return err
		}
		if count == 0 {
			first = time.Since(promptStart)
		}
		count++
		if _, err := io.WriteString(stdout, tok.Text); err != nil {
			return err
		}
	}
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintln(stdout) // end the line on a terminal; keep pipes exact
	}
	total := time.Since(promptStart)
	if count > 1 {
		rate := float64(count-1) / (total - first).Seconds()
		fmt.Fprintf(stderr, "load %v, prompt and first token %v, %d tokens at %.1f tokens/s\n",
			loaded.Round(time.Millisecond), first.Round(time.Millisecond), count, rate)
	}
	return nil
}
