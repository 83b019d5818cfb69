package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

func perplexityCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("perplexity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "GGUF model (required)")
	file := fs.String("file", "", "text file (required)")
	chunk := fs.Int("ctx", 0, "score in independent chunks of this many tokens (0: the whole text as one stream)")
	base := fs.String("base", "", "a base model (e.g. the F16 file) to compare with: KL divergence and top-1 agreement")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "compute threads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *model == "" || *file == "" {
		return errors.New("perplexity: -model and -file are required")
	}
	text, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	r, err := measurePerplexity(ctx, *model, *base, string(text), *chunk, *threads)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tokens scored: %d\n", r.Scored)
	if *base != "" {
		fmt.Fprintf(stdout, "base perplexity: %.4f\n", r.BasePPL)
		fmt.Fprintf(stdout, "mean KL divergence from base: %.6f\n", r.MeanKL)
		fmt.Fprintf(stdout, "top-1 agreement with base: %.2f%%\n", 100*r.Top1Agreement)
	}
	fmt.Fprintf(stdout, "perplexity: %.4f\n", r.PPL)
	return nil
}

// pplResult is what measurePerplexity finds.
type pplResult struct {
	Scored        int
	PPL           float64
	BasePPL       float64
	MeanKL        float64 // KL(base || model), nats per token
	Top1Agreement float64
}

// measurePerplexity scores text with the model (and optionally a base
// model): exp of the mean negative log-likelihood of each token given the
// ones before it. With chunk 0 the whole text is one stream (the sliding
// window bounds the memory); otherwise it is cut into chunks of chunk tokens,
// each computed on its own after a BOS, scoring its second half (every scored
// token then has at least chunk/2 tokens of context), as llama.cpp's
// perplexity tool does.
func measurePerplexity(ctx context.Context, modelPath, basePath, text string, chunk, threads int) (pplResult, error) {
	var r pplResult
	m, err := mistral.Load(ctx, modelPath, mistral.Config{Threads: threads})
	if err != nil {
		return r, err
	}
	defer m.Close()
	ids, err := m.Tokenizer().Encode(text, tokenizer.EncodeOptions{})
	if err != nil {
		return r, err
	}
	var b *mistral.Model
	if basePath != "" {
		if b, err = mistral.Load(ctx, basePath, mistral.Config{Threads: threads}); err != nil {
			return r, err
		}
		defer b.Close()
		if b.Params().Vocab != m.Params().Vocab {
			return r, fmt.Errorf("the base model's vocabulary (%d) differs from the model's (%d)", b.Params().Vocab, m.Params().Vocab)
		}
	}
	bos := m.Tokenizer().BOS()
	type span struct{ start, end, scoreFrom int } // token ids[start:end], score positions >= scoreFrom
	var spans []span
	if chunk <= 0 {
		spans = []span{{0, len(ids), 0}}
	} else {
		if chunk < 2 {
			return r, errors.New("-ctx must be at least 2")
		}
		for s := 0; s+chunk-1 <= len(ids); s += chunk - 1 {
			spans = append(spans, span{s, s + chunk - 1, s + (chunk-1)/2})
		}
		if len(spans) == 0 {
			return r, fmt.Errorf("the text has %d tokens, fewer than -ctx %d", len(ids), chunk)
		}
	}
	var nll, baseNLL, kl float64
	agree := 0
	for _, sp := range spans {
		seq := append([]int32{bos}, ids[sp.start:sp.end]...)
		// logits after seq[i] predict seq[i+1], which is ids[sp.start+i].
		lp, err := logProbs(ctx, m, seq)
		if err != nil {
			return r, err
		}
		var blp [][]float64
		if b != nil {
			if blp, err = logProbs(ctx, b, seq); err != nil {
				return r, err
			}
		}
		for i := 0; i+1 < len(seq); i++ {
			if sp.start+i < sp.scoreFrom {
				continue
			}
			next := seq[i+1]
			nll -= lp[i][next]
			r.Scored++
			if b != nil {
				baseNLL -= blp[i][next]
				kl += klDivergence(blp[i], lp[i])
				if argmax64(blp[i]) == argmax64(lp[i]) {
					agree++
				}
			}
		}
	}
	if r.Scored == 0 {
		return r, errors.New("no tokens to score")
	}
	n := float64(r.Scored)
	r.PPL = math.Exp(nll / n)
	if b != nil {
		r.BasePPL = math.Exp(baseNLL / n)
		r.MeanKL = kl / n
		r.Top1Agreement = float64(agree) / n
	}
	return r, nil
}

// logProbs computes seq in one session and returns the log-softmax of the
// logits after each token, in float64.
func logProbs(ctx context.Context, m *mistral.Model, seq []int32) ([][]float64, error) {
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := make([][]float64, len(seq))
	err = s.FeedAll(ctx, seq, func(i int, logits []float32) error {
		out[i] = logSoftmax(logits)
		return nil
	})
	return out, err
}

func logSoftmax(logits []float32) []float64 {
	mx := math.Inf(-1)
	for _, x := range logits {
		mx = math.Max(mx, float64(x))
	}
	var sum float64
	for _, x := range logits {
		sum += math.Exp(float64(x) - mx)
	}
	lse := mx + math.Log(sum)
	out := make([]float64, len(logits))
	for i, x := range logits {
		out[i] = float64(x) - lse
	}
	return out
}

// klDivergence returns KL(p || q) for log-probabilities lp and lq.
func klDivergence(lp, lq []float64) float64 {
	var kl float64
	for i := range lp {
		if p := math.Exp(lp[i]); p > 0 {
			kl += p * (lp[i] - lq[i])
		}
	}
	return kl
}

func argmax64(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
