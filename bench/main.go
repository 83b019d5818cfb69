// Command bench measures this library's quantisation levels side by side,
// as users choose between them: speed (prompt processing and generation),
// quality (perplexity, KL divergence from a base model), size and memory.
//
//	go run ./bench speed -types Q4_0,Q4_K_M -threads 2          # synthetic Mistral 7B shape
//	go run ./bench speed -model mistral-7b-v0.1.Q4_K_M.gguf -json
//	go run ./bench perplexity -model M.gguf -file text.txt [-ctx N] [-base F16.gguf]
//	go run ./bench levels                                        # the whole comparison
//	go run ./bench bandwidth                                     # memory read bandwidth
//
// Build with CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native"
// (see the README): GGML picks its SIMD kernels at compile time.
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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// The library's own diagnostics: warnings only, on standard error.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: bench <command> [flags]

commands:
  speed       prompt-processing and generation speed, load time, memory, size
  perplexity  perplexity of a model on a text (and KL divergence from a base model)
  levels      the whole comparison: quality on a small real model, speed on the 7B shape
  compare     this library beside llama.cpp (llamaref) on the same files: speed ratios
  concurrent  Sessions generating at once, each in its goroutine: tokens/s and latency, beside llama.cpp batched
  serve       the OpenAI-compatible server over HTTP: load with disconnects, clients' tokens/s and time to first token, prompt cache
  bandwidth   the machine's memory read bandwidth
  synth       write (and cache) a synthetic model of Mistral 7B's shape

Run "bench <command> -h" for a command's flags.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "speed":
		return speedCmd(ctx, rest, stdout, stderr)
	case "concurrent":
		return concurrentCmd(ctx, rest, stdout, stderr)
	case "serve":
		return serveCmd(ctx, rest, stdout, stderr)
	case "speed-one": // internal: one measurement in a child process
		return speedOneCmd(ctx, rest, stdout, stderr)
	case "perplexity":
		return perplexityCmd(ctx, rest, stdout, stderr)
	case "levels":
		return levelsCmd(ctx, rest, stdout, stderr)
	case "compare":
		return compareCmd(ctx, rest, stdout, stderr)
	case "bandwidth":
		return bandwidthCmd(ctx, rest, stdout, stderr)
	case "synth":
		return synthCmd(ctx, rest, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
