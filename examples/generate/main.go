// Command generate continues a prompt with a Mistral model and prints only
// the generated text on standard output, ended by a newline (logs and timing
// go to standard error).
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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral"
)

func main() { cli.Main("generate", run) }

// stopFlags collects repeated -stop flags.
type stopFlags []string

func (s *stopFlags) String() string     { return fmt.Sprint(*s) }
func (s *stopFlags) Set(v string) error { *s = append(*s, v); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model    = cli.AddModel(fs)
		prompt   = fs.String("prompt", "", "text to continue")
		n        = fs.Int("n", 128, "most tokens to generate (0: until end of sequence)")
		sampling = cli.AddSampling(fs, mistral.SamplerConfig{}, cli.AllSampling)
		threads  = cli.AddThreads(fs)
		stops    stopFlags
		repack   mistral.RepackMode
		verbose  = fs.Bool("v", false, "log the model's details to standard error")
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

	path, err := model.Path()
	if err != nil {
		return err
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
	cfg := mistral.GenerateConfig{SamplerConfig: sampling.Config(), MaxTokens: *n, Stop: stops}
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
	if _, err := fmt.Fprintln(stdout); err != nil {
		return err
	}
	total := time.Since(promptStart)
	if count > 1 {
		rate := float64(count-1) / (total - first).Seconds()
		fmt.Fprintf(stderr, "load %v, prompt and first token %v, %d tokens at %.1f tokens/s\n",
			loaded.Round(time.Millisecond), first.Round(time.Millisecond), count, rate)
	}
	return nil
}
