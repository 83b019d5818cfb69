package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// CompletionRequest is the body of a (legacy) completion request, POST
// /v1/completions: continue a prompt. Other fields are ignored.
type CompletionRequest struct {
	Model string `json:"model,omitempty"`
	// Prompt is a string, a list of strings, a list of token ids or a list
	// of such lists; each prompt gets N continuations.
	Prompt json.RawMessage `json:"prompt"`
	SamplingParams
	// LogProbs is how many of the most likely tokens to list at each step,
	// 0 to 5, with the log-probability of each token; absent means none.
	LogProbs *int `json:"logprobs,omitempty"`
	// Echo puts the prompt's text before the continuation.
	Echo bool `json:"echo,omitempty"`
	// Suffix and BestOf are not supported (an error unless absent, or
	// BestOf equal to N).
	Suffix *string `json:"suffix,omitempty"`
	BestOf *int    `json:"best_of,omitempty"`
}

// maxCompletionLogProbs is the most alternatives of the legacy API.
const maxCompletionLogProbs = 5

// defaultCompletionTokens is the legacy API's default max_tokens.
const defaultCompletionTokens = 16

// prompts returns the request's prompts as token ids (with BOS first when
// the vocabulary asks for it) and their texts.
func (req *CompletionRequest) prompts(tok *tokenizer.Tokenizer) (ids [][]int32, texts []string, err error) {
	raw := bytes.TrimSpace(req.Prompt)
	if isNull(raw) {
		return nil, nil, badRequest("prompt", "prompt is missing")
	}
	var (
		one   string
		many  []string
		toks  []int32
		lists [][]int32
	)
	switch {
	case json.Unmarshal(raw, &one) == nil:
		many = []string{one}
	case json.Unmarshal(raw, &many) == nil:
	case json.Unmarshal(raw, &toks) == nil:
		lists = [][]int32{toks}
	case json.Unmarshal(raw, &lists) == nil:
	default:
		return nil, nil, badRequest("prompt", "want a string, a list of strings, a list of token ids or a list of lists of token ids")
	}
	bos := tok.AddBOS()
	for i, text := range many {
		p, err := tok.Encode(text, tokenizer.EncodeOptions{BOS: bos})
		if err != nil {
			return nil, nil, badRequest(fmt.Sprintf("prompt[%d]", i), "%v", err)
		}
		ids, texts = append(ids, p), append(texts, text)
	}
	for i, p := range lists {
		field := fmt.Sprintf("prompt[%d]", i)
		text, err := tok.Decode(p)
		if err != nil {
			return nil, nil, badRequest(field, "%v", err)
		}
		if bos && (len(p) == 0 || p[0] != tok.BOS()) {
			p = append([]int32{tok.BOS()}, p...)
		}
		ids, texts = append(ids, p), append(texts, text)
	}
	if len(ids) == 0 {
		return nil, nil, badRequest("prompt", "no prompt: the list is empty")
	}
	for i, p := range ids {
		if len(p) == 0 {
			return nil, nil, badRequest(fmt.Sprintf("prompt[%d]", i), "an empty prompt (this vocabulary has no BOS to begin with)")
		}
	}
	return ids, texts, nil
}

// completionTasks checks a request and returns its continuations to
// generate (prompt i's choice j has index i×n+j) and the prompts' texts.
func (h *Handler) completionTasks(req *CompletionRequest) ([]task, []string, error) {
	lim := h.limits()
	lim.maxTokens = defaultCompletionTokens
	cfg, n, err := req.generateConfig(lim)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case req.Suffix != nil && *req.Suffix != "":
		return nil, nil, badRequest("suffix", "suffix is not supported")
	case req.BestOf != nil && *req.BestOf != n:
		return nil, nil, badRequest("best_of", "best_of other than n is not supported")
	}
	if req.LogProbs != nil {
		if k := *req.LogProbs; k < 0 || k > maxCompletionLogProbs {
			return nil, nil, badRequest("logprobs", "logprobs is %d: want 0 to %d", k, maxCompletionLogProbs)
		}
		cfg.LogProbs, cfg.TopLogProbs = true, *req.LogProbs
	}
	prompts, texts, err := req.prompts(h.m.Tokenizer())
	if err != nil {
		return nil, nil, err
	}
	if len(prompts)*n > h.cfg.MaxN {
		return nil, nil, badRequest("n", "%d prompts × n %d answers: at most %d", len(prompts), n, h.cfg.MaxN)
	}
	var tasks []task
	for _, p := range prompts {
		for j := range n {
			c := cfg
			c.Seed = choiceSeed(cfg, j)
			tasks = append(tasks, task{index: len(tasks), first: j == 0, prompt: p, cfg: c})
		}
	}
	return tasks, texts, nil
}

// completions answers POST /v1/completions.
func (h *Handler) completions(w http.ResponseWriter, r *http.Request) {
	var req CompletionRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	tasks, texts, err := h.completionTasks(&req)
	if err != nil {
		writeError(w, err)
		return
	}
	n := len(tasks) / len(texts)
	logOf(r).stream = req.Stream
	release := h.admit(w, r)
	if release == nil {
		return
	}
	defer release()
	c := &completionAnswer{h: h, w: w, r: r, tasks: tasks, id: newID("cmpl-"), created: time.Now().Unix()}
	if req.Echo {
		for i := range tasks {
			c.echo = append(c.echo, texts[i/n])
		}
	}
	if req.Stream {
		c.stream(req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}
	c.whole()
}

// completionAnswer is the answer to a completion request being made.
type completionAnswer struct {
	h       *Handler
	w       http.ResponseWriter
	r       *http.Request
	tasks   []task
	id      string
	created int64
	echo    []string // per task: the prompt's text to put first (Echo)
}

func (c *completionAnswer) whole() {
	answers, err := c.h.runWhole(c.r, c.tasks)
	if err != nil {
		writeError(c.w, err)
		return
	}
	out := c.completion(usageOf(c.tasks, answers))
	for i, a := range answers {
		reason := a.finishReason()
		text := a.text.String()
		if c.echo != nil {
			text = c.echo[i] + text
		}
		out.Choices = append(out.Choices, CompletionChoice{Text: text, Index: i, FinishReason: &reason,
			LogProbs: c.logProbs(a.tokens, len(text)-a.text.Len())})
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (c *completionAnswer) stream(includeUsage bool) {
	sse := newSSE(c.w)
	echoed := make([]bool, len(c.tasks))
	offsets := make([]int, len(c.tasks))
	// send sends text for answer i, after its echo the first time.
	send := func(i int, text string, lp *CompletionLogProbs, reason *string) bool {
		if c.echo != nil && !echoed[i] {
			echoed[i] = true
			text = c.echo[i] + text
			if lp != nil {
				for k := range lp.TextOffset {
					lp.TextOffset[k] += len(c.echo[i])
				}
			}
		}
		out := c.completion(nil)
		out.Choices = []CompletionChoice{{Text: text, Index: i, LogProbs: lp, FinishReason: reason}}
		offsets[i] += len(text)
		return sse.send(out) == nil
	}
	onToken := func(i int, a *answer, t mistral.Token) bool {
		lp := c.logProbs([]mistral.Token{t}, offsets[i])
		if t.Text == "" && (lp == nil || len(lp.Tokens) == 0) {
			return true
		}
		return send(i, t.Text, lp, nil)
	}
	onEnd := func(i int, a *answer) bool {
		reason := a.finishReason()
		return reason != "" && send(i, "", nil, &reason)
	}
	answers := c.h.run(c.r, c.tasks, onToken, onEnd)
	if err := firstFailure(answers); err != nil {
		sse.fail(err)
		return
	}
	if includeUsage {
		out := c.completion(usageOf(c.tasks, answers))
		out.Choices = []CompletionChoice{}
		sse.send(out)
	}
	sse.done()
}

func (c *completionAnswer) completion(u *Usage) Completion {
	return Completion{ID: c.id, Object: "text_completion", Created: c.created, Model: c.h.cfg.ModelName, Usage: u}
}

// logProbs are the tokens' log-probabilities in the legacy shape, their
// offsets counted from offset; nil when they were not asked for.
func (c *completionAnswer) logProbs(tokens []mistral.Token, offset int) *CompletionLogProbs {
	if !c.tasks[0].cfg.LogProbs {
		return nil
	}
	tok := c.h.m.Tokenizer()
	lp := &CompletionLogProbs{Tokens: []string{}, TokenLogProbs: []float64{}, TopLogProbs: []map[string]float64{}, TextOffset: []int{}}
	for _, t := range tokens {
		if t.Stop == mistral.StopEOS {
			continue
		}
		text := tok.Text(t.ID)
		top := map[string]float64{}
		for _, alt := range t.TopLogProbs {
			if _, ok := top[alt.Text]; !ok {
				top[alt.Text] = float64(alt.LogProb)
			}
		}
		lp.Tokens = append(lp.Tokens, text)
		lp.TokenLogProbs = append(lp.TokenLogProbs, float64(t.LogProb))
		lp.TopLogProbs = append(lp.TopLogProbs, top)
		lp.TextOffset = append(lp.TextOffset, offset)
		offset += len(text)
	}
	return lp
}
