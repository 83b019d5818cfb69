package mistral

import (
	"context"
	"fmt"

	"github.com/gomistral/gomistral/ggml"
)

// BatchConfig configures a Batch. The zero value is ready to use.
type BatchConfig struct {
	// Threads is the number of threads the batch computes with. Zero means
	// the Model's.
	Threads int
}

// Batch decodes several Sessions of one Model together: one forward pass,
// one graph, one read of every weight for all of them, each session
// attending to its own cache. On a machine whose memory bandwidth bounds
// generation, n sessions decode nearly n times as many tokens per second as
// one. A token's logits are the same as when its session decodes alone.
//
// A Batch is not safe for concurrent use, and the sessions it decodes must
// not be used by other goroutines meanwhile. Close releases it.
type Batch struct {
	m   *Model
	run runner
}

// NewBatch returns a Batch on the model.
func (m *Model) NewBatch(cfg BatchConfig) (*Batch, error) {
	threads := cfg.Threads
	if threads <= 0 {
		threads = m.threads()
	}
	be, err := ggml.NewCPU(threads)
	if err != nil {
		return nil, fmt.Errorf("mistral: new batch: %w", err)
	}
	return &Batch{m: m, run: runner{m: m, be: be, alloc: ggml.NewAllocator(be)}}, nil
}

// Decode feeds tokens[i] to sessions[i], for every i, in one forward pass;
// afterwards each session's Logits predicts its next token. The sessions
// must be distinct sessions of the batch's model.
func (b *Batch) Decode(ctx context.Context, sessions []*Session, tokens []int32) error {
	if b.run.be == nil {
		return fmt.Errorf("mistral: batch decode: %w", ErrClosed)
	}
	if len(sessions) != len(tokens) {
		return fmt.Errorf("mistral: batch decode: %d sessions and %d tokens", len(sessions), len(tokens))
	}
	if len(sessions) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mistral: batch decode: %w", err)
	}
	vocab := int32(b.m.params.Vocab)
	segs := make([]segment, len(sessions))
	for i, s := range sessions {
		if s.m != b.m {
			return fmt.Errorf("mistral: batch decode: session %d belongs to another model", i)
		}
		for j := 0; j < i; j++ {
			if sessions[j] == s {
				return fmt.Errorf("mistral: batch decode: session %d appears twice", i)
			}
		}
		if tokens[i] < 0 || tokens[i] >= vocab {
			return fmt.Errorf("mistral: batch decode: token %d is outside the vocabulary [0, %d)", tokens[i], vocab)
		}
		if s.be == nil {
			return fmt.Errorf("mistral: batch decode: session %d: %w", i, ErrClosed)
		}
		if s.m.params.WindowSource == WindowNone && s.slots.next+1 > s.slots.n {
			return fmt.Errorf("mistral: batch decode: session %d: %w", i, ErrContextFull)
		}
		segs[i] = segment{s: s, tokens: tokens[i : i+1], outputs: 1}
	}
	for _, s := range sessions {
		s.enter()
	}
	defer func() {
		for _, s := range sessions {
			s.leave()
		}
	}()
	b.m.mu.RLock()
	defer b.m.mu.RUnlock()
	if b.m.closed {
		return fmt.Errorf("mistral: batch decode: model %w", ErrClosed)
	}
	pad := len(segs) == 1 && sessions[0].padLone
	if err := b.run.run(segs, pad, sessions[0].padLone); err != nil {
		return fmt.Errorf("mistral: batch decode: %w", err)
	}
	return nil
}

// Close frees the batch's memory. It is idempotent and nil-safe.
func (b *Batch) Close() error {
	if b == nil || b.run.be == nil {
		return nil
	}
	b.run.close()
	b.run.be.Close()
	b.run.be = nil
	return nil
}
