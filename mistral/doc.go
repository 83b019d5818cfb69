// Package mistral runs Mistral 7B (and models of its architecture) from a
// GGUF file: load a model, open Sessions, stream text.
//
//	m, err := mistral.Load(ctx, "mistral-7b-instruct-v0.1.Q4_K_M.gguf", mistral.Config{})
//	if err != nil { ... }
//	defer m.Close()
//	s, err := m.NewSession(mistral.SessionConfig{})
//	if err != nil { ... }
//	defer s.Close()
//	msgs := []mistral.Message{{Role: mistral.RoleUser, Content: "Résume ce texte : ..."}}
//	cfg := mistral.GenerateConfig{SamplerConfig: mistral.SamplerConfig{Temperature: 0.7, TopP: 0.9}}
//	for tok, err := range s.Chat(ctx, msgs, cfg) {
//		if err != nil { ... } // ctx cancelled, bad input, ...
//		fmt.Print(tok.Text)
//	}
//
// # Model and Session
//
// Load maps the file read-only and uses the weights in place (any GGML
// quantisation), after checking its metadata and tensors thoroughly: a bad
// file is an error, never a crash. A Model is immutable and safe for
// concurrent use; a Session is one sequence (its KV cache, position, last
// logits) and belongs to one goroutine at a time. Many Sessions share one
// Model's weights.
//
// # The sliding window
//
// Mistral 7B attends to a window of W = 4096 tokens: the token at position i
// sees positions i-W < j <= i, in every layer. Load reads W from
// llama.attention.sliding_window, recognises Mistral 7B v0.1 files that lack
// the key, or takes Config.SlidingWindow (Params.WindowSource says which).
// The KV cache is a rolling buffer of W slots per layer (position p in slot
// p mod W, RoPE at the absolute position), so a Session's memory is bounded
// by the window however long the text grows, and positions past the window
// are computed exactly, where runtimes that ignore the window drift.
//
// Prompts are computed in passes of at most SessionConfig.BatchSize tokens,
// aligned to blocks of that size. A token's arithmetic depends only on its
// position, not on how the tokens were batched: its logits are bit for bit
// the same whether it was read in a long prompt or decoded alone, so saved,
// resumed, cancelled or prefix-reused sessions continue exactly as an
// uninterrupted one.
//
// # Generation
//
// Generate, GenerateTokens and Chat stream Tokens as an iter.Seq2; the
// caller may stop at any token, and the session keeps everything streamed
// and is ready to continue. SamplerConfig composes temperature, top-k,
// top-p, min-p, typical-p, penalties, logit bias and stages of the caller's
// own; its zero value is greedy. Chat formats messages in Mistral's instruct
// format and reuses the session's cache for the part of the conversation it
// has already computed.
package mistral
