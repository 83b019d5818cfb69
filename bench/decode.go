package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/grammar"
)

// decodeResult is one generation measured plain and with drafts.
type decodeResult struct {
	Model          string    `json:"model"`
	Text           string    `json:"text"`
	Schema         string    `json:"schema,omitempty"`
	Threads        int       `json:"threads"`
	Rounds         int       `json:"rounds"`
	Tokens         int       `json:"tokens"`         // per generation
	PlainTokS      float64   `json:"plain_tok_s"`    // median
	TokS           float64   `json:"tok_s"`          // median, with drafts
	Speedup        float64   `json:"speedup"`        // of the medians
	PairedSpeedup  float64   `json:"paired_speedup"` // median of the rounds' own ratios (each round's two runs are minutes closer than the medians' are)
	PlainRounds    []float64 `json:"plain_rounds_tok_s"`
	DraftRounds    []float64 `json:"rounds_tok_s"`
	PassesPerToken float64   `json:"passes_per_token"` // over all rounds, as drafted, kept and acceptance
	Drafted        int       `json:"drafted"`
	Kept           int       `json:"kept"`
	Acceptance     float64   `json:"acceptance"`     // drafts kept / drafts fed
	Partial        int       `json:"partial_passes"` // passes that computed the allowed tokens' logits only
	Identical      bool      `json:"identical"`
	AA             bool      `json:"aa,omitempty"` // -aa: the "drafts" runs were plain too
}

// decodeCmd measures what drafts (GenerateConfig.NoDrafts) change: the same
// generation plain and with drafts, in one process, alternating; with
// -schema an extraction from the text as examples/extract does it, without
// a continuation of the text. With -aa both runs are plain: the spread of
// such ratios is what this machine's noise alone gives a comparison.
func decodeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := cli.AddModel(fs)
	textPath := fs.String("text", "", "text file: the prompt, or the text to extract from with -schema (required)")
	schemaPath := fs.String("schema", "", "JSON Schema file: extract a document from the text")
	n := fs.Int("n", 128, "tokens to generate")
	temp := fs.Float64("temp", 0, "temperature (0: greedy); with a seed, both runs draw the same")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "compute threads")
	rounds := fs.Int("rounds", 3, "alternating rounds")
	asJSON := fs.Bool("json", false, "print one JSON object")
	aa := fs.Bool("aa", false, "both runs plain: the ratios this machine's noise alone gives")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *textPath == "" {
		return errors.New("decode: -text is required")
	}
	text, err := os.ReadFile(*textPath)
	if err != nil {
		return err
	}
	path, err := model.Path()
	if err != nil {
		return err
	}
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: *threads})
	if err != nil {
		return err
	}
	defer m.Close()
	r := decodeResult{Model: path, Text: *textPath, Schema: *schemaPath, Threads: *threads, Rounds: *rounds, AA: *aa}
	cfg := mistral.GenerateConfig{MaxTokens: *n, IgnoreEOS: *schemaPath == "",
		SamplerConfig: mistral.SamplerConfig{Temperature: float32(*temp), Seed: 1}}
	generate := func(s *mistral.Session, cfg mistral.GenerateConfig) func(yield func(mistral.Token, error) bool) {
		return s.Generate(ctx, string(text), cfg)
	}
	if *schemaPath != "" {
		schema, err := os.ReadFile(*schemaPath)
		if err != nil {
			return err
		}
		if cfg.Grammar, err = grammar.JSONSchema(schema, grammar.SchemaOptions{Compact: true}); err != nil {
			return err
		}
		prompt := "Extract the information in the text below as one JSON document valid against this JSON Schema:\n" +
			strings.TrimSpace(string(schema)) + "\n\nText:\n" + strings.TrimSpace(string(text))
		generate = func(s *mistral.Session, cfg mistral.GenerateConfig) func(yield func(mistral.Token, error) bool) {
			return s.Chat(ctx, []mistral.Message{{Role: mistral.RoleUser, Content: prompt}}, cfg)
		}
	}
	type run struct {
		ids   []int32
		tokS  float64
		stats mistral.DecodeStats
	}
	once := func(noDrafts bool) (run, error) {
		s, err := m.NewSession(mistral.SessionConfig{})
		if err != nil {
			return run{}, err
		}
		defer s.Close()
		c := cfg
		c.NoDrafts = noDrafts || *aa
		var out run
		var start time.Time
		for tok, err := range generate(s, c) {
			if err != nil {
				return run{}, err
			}
			if len(out.ids) == 0 {
				start = time.Now() // from the first token: the prompt is the same for both
			}
			out.ids = append(out.ids, tok.ID)
		}
		if len(out.ids) > 1 {
			out.tokS = float64(len(out.ids)-1) / time.Since(start).Seconds()
		}
		out.stats = s.DecodeStats()
		return out, nil
	}
	if _, err := once(false); err != nil { // warm up: the weights read, the graphs built
		return err
	}
	r.Identical = true
	var total mistral.DecodeStats // of the drafted runs, all rounds
	for round := range *rounds {
		// Each goes first every other round: neither always follows the
		// other's Session (its freed cache, the page cache, the clocks).
		var plain, drafted run
		for _, noDrafts := range []bool{round%2 == 0, round%2 != 0} {
			x, err := once(noDrafts)
			if err != nil {
				return err
			}
			if noDrafts {
				plain = x
			} else {
				drafted = x
			}
		}
		r.PlainRounds = append(r.PlainRounds, plain.tokS)
		r.DraftRounds = append(r.DraftRounds, drafted.tokS)
		r.Identical = r.Identical && slices.Equal(plain.ids, drafted.ids)
		total.Tokens += drafted.stats.Tokens
		total.Passes += drafted.stats.Passes
		total.Drafted += drafted.stats.Drafted
		total.Kept += drafted.stats.Kept
		total.Partial += drafted.stats.Partial
		fmt.Fprintf(stderr, "round %d: plain %.2f tok/s, drafts %.2f tok/s (%d tokens in %d passes)\n",
			round, plain.tokS, drafted.tokS, drafted.stats.Tokens, drafted.stats.Passes)
	}
	st := total // passes and drafts summed over the rounds: the drafts each round feeds depend on its timings
	if *rounds > 0 {
		r.Tokens = st.Tokens / *rounds
	}
	r.PlainTokS, _, _ = medianSpread(r.PlainRounds)
	r.TokS, _, _ = medianSpread(r.DraftRounds)
	if r.PlainTokS > 0 {
		r.Speedup = r.TokS / r.PlainTokS
	}
	var ratios []float64
	for i, p := range r.PlainRounds {
		if p > 0 {
			ratios = append(ratios, r.DraftRounds[i]/p)
		}
	}
	r.PairedSpeedup, _, _ = medianSpread(ratios)
	if st.Tokens > 0 {
		r.PassesPerToken = float64(st.Passes) / float64(st.Tokens)
	}
	r.Drafted, r.Kept, r.Partial = st.Drafted, st.Kept, st.Partial
	if st.Drafted > 0 {
		r.Acceptance = float64(st.Kept) / float64(st.Drafted)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprintf(stdout, "%s on %s", r.Model, r.Text)
	if r.Schema != "" {
		fmt.Fprintf(stdout, " (schema %s)", r.Schema)
	}
	fmt.Fprintf(stdout, ", %d threads, %d rounds (medians)", r.Threads, r.Rounds)
	if r.AA {
		fmt.Fprint(stdout, `, -aa: both runs plain, "drafts" is a second plain run`)
	}
	fmt.Fprintln(stdout)
	fmt.Fprintf(stdout, "tokens %d; plain %.2f tok/s; drafts %.2f tok/s (%.2fx, rounds' own ratios %.2fx); %.2f passes per token; "+
		"%d of %d drafts kept (%.0f%%); %d passes with the allowed tokens' logits only; identical: %v\n", r.Tokens, r.PlainTokS, r.TokS, r.Speedup, r.PairedSpeedup, r.PassesPerToken,
		r.Kept, r.Drafted, 100*r.Acceptance, r.Partial, r.Identical)
	return nil
}
