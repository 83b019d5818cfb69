// Command bench measures this library's quantisation levels side by side,
// as users choose between them: speed (prompt processing and generation),
// quality (perplexity, KL divergence from a base model), size and memory.
//
//	go run ./bench speed -types Q4_0,Q4_K_M -threads 2          # synthetic Mistral 7B shape
//	go run ./bench speed -model mistral-7b-v0.1.Q4_K_M.gguf -json
//	go run ./bench perplexity -model M.gguf -file text.txt [-ctx N] [-base F16.gguf]
//	go run ./bench levels -src DIR -text FILE [-out DIR]         # the whole comparison
//	go run ./bench bandwidth                                     # memory read bandwidth
//
// levels quantises a small real model from its Hugging Face folder (-src)
// and scores each level on a text it was not trained on (-text); the
// reference data beside the repository has both, and bench/results/levels
// was made from the repository's folder with
//
//	go run ./bench levels -src ../shared/testdata/tiny-mistral-v3 \
//		-text ../shared/testdata/war-and-peace-heldout.txt -out bench/results/levels
//
// Build with CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native"
// (see the README): GGML picks its SIMD kernels at compile time.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/gomistral/gomistral/internal/cli"
)

func main() {
	// The library's own diagnostics: warnings only, on standard error.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	cli.Main("bench", run)
}

const usage = `usage: bench <command> [flags]

commands:
  speed       prompt-processing and generation speed, load time, memory, size
  perplexity  perplexity of a model on a text (and KL divergence from a base model)
  levels      the whole comparison: quality on a small real model, speed on the 7B shape
  compare     this library beside llama.cpp (llamaref) on the same files: speed ratios
  concurrent  Sessions generating at once, each in its goroutine: tokens/s and latency, beside llama.cpp batched
  decode      one generation with drafts and without: tokens/s, passes per token, acceptance, identical output
  serve       the OpenAI-compatible server over HTTP: load with disconnects, clients' tokens/s and time to first token, prompt cache
  bandwidth   the machine's memory read bandwidth
  synth       write (and cache) a synthetic model of Mistral 7B's shape

Run "bench <command> -h" for a command's flags.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "speed":
		return speedCmd(ctx, rest, stdout, stderr)
	case "concurrent":
		return concurrentCmd(ctx, rest, stdout, stderr)
	case "decode":
		return decodeCmd(ctx, rest, stdout, stderr)
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
