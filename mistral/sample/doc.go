// Package sample picks a language model's next token from its logits: a
// Sampler composes logit bias, repetition, frequency and presence
// penalties, stages of the caller's own, top-k, typical-p, top-p, min-p and
// temperature, and draws from a seeded random stream that can be saved
// and restored.
//
// It knows nothing of models: logits in, a token id out. Package mistral
// uses it for every generation and gives its names to users as
// mistral.SamplerConfig, mistral.Sampler, mistral.Stage and
// mistral.Candidates.
//
//	s, err := sample.New(sample.Config{Temperature: 0.7, TopP: 0.9, Seed: 42})
//	if err != nil { ... } // a value out of its range
//	for ... {
//		id := s.Sample(logits) // the logits of the last position
//		s.Accept(id)           // the token joins the sequence
//	}
package sample
