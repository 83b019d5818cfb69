package openai

import (
	"net/http"
	"time"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// chatCompletions answers POST /v1/chat/completions.
func (h *Handler) chatCompletions(w http.ResponseWriter, r *http.Request) {
	var req ChatCompletionRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	tasks, err := h.chatTasks(&req)
	if err != nil {
		writeError(w, err)
		return
	}
	logOf(r).stream = req.Stream
	release := h.admit(w, r)
	if release == nil {
		return
	}
	defer release()
	c := &chatAnswer{h: h, w: w, r: r, tasks: tasks, id: newID("chatcmpl-"), created: time.Now().Unix(),
		logprobs: req.LogProbs}
	if req.Stream {
		c.stream(req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}
	c.whole()
}

// chatTasks checks a request and returns its answers to generate.
func (h *Handler) chatTasks(req *ChatCompletionRequest) ([]task, error) {
	if len(req.Messages) == 0 {
		return nil, badRequest("messages", "messages is empty: a conversation needs at least a user message")
	}
	chat, err := req.Chat()
	if err != nil {
		return nil, err
	}
	cfg, n, err := req.ChatParams.chatConfig(h.limits(), &h.schemas)
	if err != nil {
		return nil, err
	}
	ids, err := h.m.Tokenizer().EncodeChat(chat.Messages, tokenizer.ChatOptions{Tools: chat.Tools})
	if err != nil {
		return nil, err
	}
	if last := len(chat.Messages) - 1; chat.Messages[last].Role != tokenizer.RoleUser && chat.Messages[last].Role != tokenizer.RoleTool {
		return nil, badRequest("messages", "the conversation ends with a message of role %q: it must end with a user message or tool results", chat.Messages[last].Role)
	}
	if err := toolConfig(h.m, &cfg, chat); err != nil {
		return nil, err
	}
	tasks := make([]task, n)
	for i := range tasks {
		c := cfg
		c.Seed = choiceSeed(cfg, i)
		tasks[i] = task{index: i, first: i == 0, chat: chat.Messages, prompt: ids, cfg: c}
	}
	return tasks, nil
}

// chatAnswer is the answer to a chat completion request being made.
type chatAnswer struct {
	h        *Handler
	w        http.ResponseWriter
	r        *http.Request
	tasks    []task
	id       string
	created  int64
	logprobs bool
}

// whole answers with one ChatCompletion once every answer is complete.
func (c *chatAnswer) whole() {
	answers, err := c.h.runWhole(c.r, c.tasks)
	if err != nil {
		writeError(c.w, err)
		return
	}
	out := ChatCompletion{ID: c.id, Object: "chat.completion", Created: c.created, Model: c.h.cfg.ModelName,
		Usage: usageOf(c.tasks, answers)}
	tok := c.h.m.Tokenizer()
	for i, a := range answers {
		choice := ChatChoice{Index: i, Message: chatMessage(a), FinishReason: a.finishReason()}
		if c.logprobs {
			choice.LogProbs = &ChatLogProbs{Content: []TokenLogProb{}}
			for _, t := range a.tokens {
				if lp, ok := tokenLogProb(tok, t); ok {
					choice.LogProbs.Content = append(choice.LogProbs.Content, lp)
				}
			}
		}
		out.Choices = append(out.Choices, choice)
	}
	writeJSON(c.w, http.StatusOK, out)
}

// chatMessage is an answer's message: its text, or its tool calls.
func chatMessage(a *answer) ResponseMessage {
	m := ResponseMessage{Role: "assistant"}
	if len(a.toolCalls) > 0 {
		m.ToolCalls = a.toolCalls
		return m
	}
	text := a.text.String()
	m.Content = &text
	return m
}

// stream answers with server-sent chunks as the tokens come.
func (c *chatAnswer) stream(includeUsage bool) {
	sse := newSSE(c.w)
	tok := c.h.m.Tokenizer()
	started := make([]bool, len(c.tasks))
	// begin sends the chunk that opens answer i: its role.
	begin := func(i int) bool {
		if started[i] {
			return true
		}
		started[i] = true
		empty := ""
		return sse.send(c.chunk(ChunkChoice{Index: i, Delta: Delta{Role: "assistant", Content: &empty}})) == nil
	}
	onToken := func(i int, a *answer, t mistral.Token) bool {
		if !begin(i) {
			return false
		}
		ch := ChunkChoice{Index: i, Delta: Delta{Content: &t.Text}}
		if c.logprobs {
			if lp, ok := tokenLogProb(tok, t); ok {
				ch.LogProbs = &ChatLogProbs{Content: []TokenLogProb{lp}}
			}
		}
		if t.Text == "" && ch.LogProbs == nil {
			return true
		}
		return sse.send(c.chunk(ch)) == nil
	}
	onEnd := func(i int, a *answer) bool {
		reason := a.finishReason()
		if reason == "" || !begin(i) {
			return false
		}
		if len(a.toolCalls) > 0 {
			if sse.send(c.chunk(ChunkChoice{Index: i, Delta: Delta{ToolCalls: toolCallDeltas(a.toolCalls)}})) != nil {
				return false
			}
		}
		return sse.send(c.chunk(ChunkChoice{Index: i, FinishReason: &reason})) == nil
	}
	answers := c.h.run(c.r, c.tasks, onToken, onEnd)
	if err := firstFailure(answers); err != nil {
		sse.fail(err)
		return
	}
	if includeUsage {
		sse.send(ChatCompletionChunk{ID: c.id, Object: "chat.completion.chunk", Created: c.created,
			Model: c.h.cfg.ModelName, Choices: []ChunkChoice{}, Usage: usageOf(c.tasks, answers)})
	}
	sse.done()
}

func (c *chatAnswer) chunk(ch ChunkChoice) ChatCompletionChunk {
	return ChatCompletionChunk{ID: c.id, Object: "chat.completion.chunk", Created: c.created,
		Model: c.h.cfg.ModelName, Choices: []ChunkChoice{ch}}
}
