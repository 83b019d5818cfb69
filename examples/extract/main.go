// Command extract turns a text into one JSON document valid against a JSON
// Schema: the model reads the text and the schema, and its output is
// constrained by the schema's grammar, token by token, so the document is
// always valid, whatever the model.
//
//	go run ./examples/extract -schema person.schema.json -text article.txt
//	go run ./examples/extract -model mistral-7b-instruct-v0.1.Q4_K_M.gguf -schema s.json -text t.txt -temp 0.2
//
// Without -model it runs the small model that ships with the library,
// whose content will be nonsense but whose structure is valid. The document
// goes to standard output, alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/grammar"
	"github.com/gomistral/gomistral/mistral/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "extract:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model      = fs.String("model", "", "GGUF model file (default: the small model shipped in package models)")
		schemaPath = fs.String("schema", "", "JSON Schema file (required)")
		textPath   = fs.String("text", "", "text file to extract from (required)")
		n          = fs.Int("n", 512, "most tokens of the document (the end of the budget closes it)")
		temp       = fs.Float64("temp", 0, "temperature; 0 is greedy")
		topK       = fs.Int("top-k", 0, "keep the K most likely tokens (0: off)")
		topP       = fs.Float64("top-p", 0, "nucleus sampling threshold (0: off)")
		minP       = fs.Float64("min-p", 0, "drop tokens less likely than this times the most likely (0: off)")
		repeat     = fs.Float64("repeat-penalty", 0, "penalty for recently used tokens (0: off)")
		seed       = fs.Uint64("seed", 0, "random seed (0: random)")
		threads    = fs.Int("threads", 0, "compute threads (0: one per CPU)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *schemaPath == "" || *textPath == "" {
		fs.Usage()
		return errors.New("-schema and -text are required")
	}
	schema, err := os.ReadFile(*schemaPath)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(*textPath)
	if err != nil {
		return err
	}
	g, err := grammar.JSONSchema(schema, grammar.SchemaOptions{Compact: true})
	if err != nil {
		return err
	}
	path := *model
	if path == "" {
		if path, err = models.TinyPath(); err != nil {
			return err
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: *threads, Logger: logger})
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return err
	}
	defer s.Close()

	prompt := "Extract the information in the text below as one JSON document valid against this JSON Schema:\n" +
		strings.TrimSpace(string(schema)) + "\n\nText:\n" + strings.TrimSpace(string(text))
	msgs := []mistral.Message{{Role: mistral.RoleUser, Content: prompt}}
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
		Grammar:   g,
	}
	var doc strings.Builder
	for tok, err := range s.Chat(ctx, msgs, cfg) {
		if err != nil {
			return err
		}
		doc.WriteString(tok.Text)
	}
	out := strings.TrimSpace(doc.String())
	if !json.Valid([]byte(out)) {
		return fmt.Errorf("the budget of %d tokens was too small for a whole document: %q", *n, out)
	}
	_, err = fmt.Fprintln(stdout, out)
	return err
}
