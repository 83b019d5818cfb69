package openai

// The bodies the server sends, in the shapes of OpenAI's API reference
// (and of the types of its official clients).

// ChatCompletion is the answer to a chat completion request.
type ChatCompletion struct {
	ID      string       `json:"id"`     // "chatcmpl-..."
	Object  string       `json:"object"` // "chat.completion"
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   *Usage       `json:"usage,omitempty"`
}

// ChatChoice is one answer of a ChatCompletion.
type ChatChoice struct {
	Index        int             `json:"index"`
	Message      ResponseMessage `json:"message"`
	LogProbs     *ChatLogProbs   `json:"logprobs"`
	FinishReason string          `json:"finish_reason"` // "stop", "length" or "tool_calls"
}

// ResponseMessage is the message of an answer.
type ResponseMessage struct {
	Role      string     `json:"role"`    // "assistant"
	Content   *string    `json:"content"` // null when the answer is tool calls
	Refusal   *string    `json:"refusal"` // always null
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// ChatLogProbs are the log-probabilities of an answer's tokens.
type ChatLogProbs struct {
	Content []TokenLogProb `json:"content"`
	Refusal []TokenLogProb `json:"refusal"` // always null
}

// TokenLogProb is a token of an answer with its log-probability and the
// most likely tokens at its step. Token is its text (a byte token's text
// may be part of a UTF-8 character: Bytes has its exact bytes).
type TokenLogProb struct {
	Token       string       `json:"token"`
	LogProb     float64      `json:"logprob"`
	Bytes       []int        `json:"bytes"`
	TopLogProbs []TopLogProb `json:"top_logprobs"`
}

// TopLogProb is one of the most likely tokens at a step.
type TopLogProb struct {
	Token   string  `json:"token"`
	LogProb float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// Usage counts a request's tokens.
type Usage struct {
	PromptTokens        int                  `json:"prompt_tokens"`
	CompletionTokens    int                  `json:"completion_tokens"`
	TotalTokens         int                  `json:"total_tokens"`
	PromptTokensDetails *PromptTokensDetails `json:"prompt_tokens_details,omitempty"`
}

// PromptTokensDetails says how many prompt tokens were found in the cache
// of earlier requests (and not computed again).
type PromptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// ChatCompletionChunk is one server-sent event of a streamed chat
// completion.
type ChatCompletionChunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"` // "chat.completion.chunk"
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []ChunkChoice `json:"choices"`
	// Usage is set on the last chunk, which has no choices, when the
	// request asked for it (stream_options.include_usage).
	Usage *Usage `json:"usage,omitempty"`
}

// ChunkChoice is a part of one answer in a chunk.
type ChunkChoice struct {
	Index        int           `json:"index"`
	Delta        Delta         `json:"delta"`
	LogProbs     *ChatLogProbs `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"` // null until the answer's last chunk
}

// Delta is what a chunk adds to an answer's message.
type Delta struct {
	Role      string          `json:"role,omitempty"`
	Content   *string         `json:"content,omitempty"`
	ToolCalls []ToolCallDelta `json:"tool_calls,omitempty"`
}

// ToolCallDelta is a part of a tool call in a chunk: the first part of a
// call has its id, type and name.
type ToolCallDelta struct {
	Index    int          `json:"index"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function FunctionCall `json:"function"`
}

// Completion is the answer to a (legacy) completion request, and each
// chunk of a streamed one.
type Completion struct {
	ID      string             `json:"id"`     // "cmpl-..."
	Object  string             `json:"object"` // "text_completion"
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []CompletionChoice `json:"choices"`
	Usage   *Usage             `json:"usage,omitempty"`
}

// CompletionChoice is one continuation of a Completion.
type CompletionChoice struct {
	Text         string              `json:"text"`
	Index        int                 `json:"index"`
	LogProbs     *CompletionLogProbs `json:"logprobs"`
	FinishReason *string             `json:"finish_reason"` // null in a chunk that is not the choice's last
}

// CompletionLogProbs are the log-probabilities of a continuation, in the
// legacy API's columns: per token, its text, log-probability, most likely
// alternatives (text to log-probability) and offset in the text.
type CompletionLogProbs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogProbs []float64            `json:"token_logprobs"`
	TopLogProbs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

// ModelList is the answer to GET /v1/models.
type ModelList struct {
	Object string        `json:"object"` // "list"
	Data   []ModelObject `json:"data"`
}

// ModelObject describes a model.
type ModelObject struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}
