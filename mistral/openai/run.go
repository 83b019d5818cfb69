package openai

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gomistral/gomistral/mistral"
)

// task is one answer to generate: a chat answer (chat set) or the
// continuation of a prompt.
type task struct {
	index  int
	first  bool                   // the first task of its prompt (whose prompt usage counts)
	chat   []mistral.Message      // the conversation; nil for a completion
	prompt []int32                // the prompt's ids (for a chat, as EncodeChat writes them)
	cfg    mistral.GenerateConfig // for a chat, with the tools (see toolConfig)
}

// answer is what a task produced.
type answer struct {
	text      strings.Builder
	tokens    []mistral.Token // the tokens, kept when log-probabilities were asked for
	count     int             // tokens generated
	last      mistral.Token   // the last token
	prompt    int             // prompt tokens, as the Session holds them
	cached    int             // of which found in a kept Session
	toolCalls []ToolCall
	err       error // what ended it early, if anything
}

// finishReason is OpenAI's name for why the answer ended: "stop",
// "length" or "tool_calls"; empty when an error ended it.
func (a *answer) finishReason() string {
	if len(a.toolCalls) > 0 {
		return "tool_calls"
	}
	switch a.last.Stop {
	case mistral.StopEOS, mistral.StopString, mistral.StopGrammar:
		return "stop"
	case mistral.StopMaxTokens:
		return "length"
	}
	if a.count > 0 && errors.Is(a.err, mistral.ErrContextFull) {
		return "length"
	}
	return ""
}

// failed returns the error that ended the answer without a finish reason.
func (a *answer) failed() error {
	if a.finishReason() != "" {
		return nil
	}
	if a.err == nil {
		return errors.New("openai: the generation ended without a reason")
	}
	return a.err
}

// errStopped: the answer could not be sent (the client went away).
var errStopped = errors.New("openai: the answer could not be sent")

// generation runs a request's tasks, each in its goroutine with a Session
// of its own, and hands their tokens over one at a time.
type generation struct {
	h *Handler
	r *http.Request

	mu      sync.Mutex // serializes onToken and onEnd
	first   bool       // a token has been handed over
	stopped bool       // a callback asked to stop
	cancel  context.CancelFunc
}

// run generates the tasks at once and returns their answers. onToken is
// called with each token of answer i, onEnd when answer i is over; calls
// are serialized. When either returns false, every task stops (at its next
// token). Tokens whose text and log-probabilities are empty are handed over
// too.
func (h *Handler) run(r *http.Request, tasks []task, onToken func(i int, a *answer, t mistral.Token) bool, onEnd func(i int, a *answer) bool) []*answer {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	g := &generation{h: h, r: r, cancel: cancel}
	answers := make([]*answer, len(tasks))
	var wg sync.WaitGroup
	for i := range tasks {
		answers[i] = &answer{}
		wg.Go(func() { g.task(ctx, tasks[i], answers[i], onToken, onEnd) })
	}
	wg.Wait()
	rl := logOf(r)
	u := usageOf(tasks, answers)
	rl.prompt, rl.cached = u.PromptTokens, u.PromptTokensDetails.CachedTokens
	h.met.promptTokens.Add(float64(rl.prompt))
	h.met.cachedTokens.Add(float64(rl.cached))
	for _, a := range answers {
		rl.completion += a.count
		if a.failed() != nil && r.Context().Err() != nil {
			rl.cancelled = true
		}
	}
	if rl.cancelled {
		h.met.cancelled.Inc()
	}
	if len(answers) > 0 {
		rl.finish = answers[0].finishReason()
		if err := answers[0].failed(); err != nil && !rl.cancelled {
			rl.err = err.Error()
		}
	}
	return answers
}

// runWhole generates the tasks of an answer sent whole, once complete: it
// returns their answers, or the error of the first that failed (which
// stops the others).
func (h *Handler) runWhole(r *http.Request, tasks []task) ([]*answer, error) {
	answers := h.run(r, tasks,
		func(int, *answer, mistral.Token) bool { return true },
		func(_ int, a *answer) bool { return a.failed() == nil })
	return answers, firstFailure(answers)
}

func (g *generation) task(ctx context.Context, t task, a *answer, onToken func(int, *answer, mistral.Token) bool, onEnd func(int, *answer) bool) {
	s, held, err := g.h.cache.take(&t)
	if err != nil {
		a.err = err
		g.end(t.index, a, onEnd)
		return
	}
	defer g.h.cache.put(s)
	s.RestartSampling() // a request's seed means the same in a kept Session
	keep := t.cfg.LogProbs
	for tok, err := range g.seq(ctx, s, t) {
		if err != nil {
			a.err = err
			break
		}
		a.count++
		a.last = tok
		a.text.WriteString(tok.Text)
		if keep {
			a.tokens = append(a.tokens, tok)
		}
		a.toolCalls = toolCallsOf(tok)
		g.h.met.completionTokens.Inc()
		if !g.token(t.index, a, tok, onToken) {
			a.err = errStopped
			break
		}
	}
	a.prompt, a.cached = promptTokens(held, s.Tokens(), a.count)
	g.end(t.index, a, onEnd)
}

// usageOf counts the tokens of a request's answers: each prompt once,
// however many answers it has.
func usageOf(tasks []task, answers []*answer) *Usage {
	u := &Usage{PromptTokensDetails: &PromptTokensDetails{}}
	for i, a := range answers {
		if tasks[i].first {
			u.PromptTokens += a.prompt
			u.PromptTokensDetails.CachedTokens += a.cached
		}
		u.CompletionTokens += a.count
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// seq starts the task's generation in s.
func (g *generation) seq(ctx context.Context, s *mistral.Session, t task) func(func(mistral.Token, error) bool) {
	if t.chat != nil {
		return s.Chat(ctx, t.chat, t.cfg)
	}
	if err := s.Prefill(ctx, t.prompt); err != nil {
		return func(yield func(mistral.Token, error) bool) { yield(mistral.Token{}, err) }
	}
	return s.GenerateTokens(ctx, nil, t.cfg)
}

// token hands a token over, and records the first token's time.
func (g *generation) token(i int, a *answer, tok mistral.Token, onToken func(int, *answer, mistral.Token) bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	if !g.first {
		g.first = true
		rl := logOf(g.r)
		ttft := time.Since(rl.start)
		rl.ttft = ttft
		g.h.met.ttft.Observe(ttft.Seconds())
	}
	if !onToken(i, a, tok) {
		g.stopped = true
		g.cancel()
		return false
	}
	return true
}

func (g *generation) end(i int, a *answer, onEnd func(int, *answer) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return
	}
	if !onEnd(i, a) {
		g.stopped = true
		g.cancel()
	}
}

// firstFailure returns the error of the first answer that failed.
func firstFailure(answers []*answer) error {
	for _, a := range answers {
		if err := a.failed(); err != nil {
			return err
		}
	}
	return nil
}
