package mistral

import (
	"context"
	"errors"
	"fmt"
)

// Prefill makes the session hold exactly tokens, computing only what
// differs from what it already holds: it keeps the longest common prefix
// and feeds the rest. Keeping a prefix means forgetting the positions after
// it, which a rolling cache can do only while the slots of the positions the
// rest will attend to have not been reused (always within the first window;
// past it, by at most one token). When it cannot, the session starts over.
// At least the last token is always computed, so Logits is fresh.
func (s *Session) Prefill(ctx context.Context, tokens []int32) error {
	s.enter()
	defer s.leave()
	if err := s.prefill(ctx, tokens); err != nil {
		return fmt.Errorf("mistral: prefill: %w", err)
	}
	return nil
}

func (s *Session) prefill(ctx context.Context, tokens []int32) error {
	if len(tokens) == 0 {
		return errors.New("no tokens")
	}
	keep := commonPrefix(s.tokens, tokens)
	keep = min(keep, len(tokens)-1) // recompute at least the last token
	if !s.canTruncate(keep) {
		keep = 0
	}
	s.truncate(keep)
	return s.feed(ctx, tokens[keep:], nil)
}

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// canTruncate reports whether the session can forget every position from
// keep on and still hold each position the token at keep attends to.
func (s *Session) canTruncate(keep int) bool {
	p := s.slots.next
	if keep >= p {
		return true
	}
	// Position j is still in the cache if no later position took its slot:
	// j >= p - n. The token at keep needs keep-W < j < keep.
	need := max(0, keep-s.slots.win+1)
	return need >= p-s.slots.n
}

// truncate forgets the positions from keep on (canTruncate must allow it).
// The logits, of a later position, are then stale until the caller sets
// them or feeds; with no token left they are an empty session's, zeros.
func (s *Session) truncate(keep int) {
	if keep < s.slots.next {
		s.stale = true
	}
	if keep == 0 {
		s.slots.reset()
		s.tokens = s.tokens[:0]
		clear(s.logits)
		s.stale = false
		return
	}
	for j := keep; j < s.slots.next; j++ {
		slot := s.slots.slot(j)
		if s.slots.pos[slot] == int32(j) {
			s.slots.pos[slot] = -1
		}
	}
	s.slots.next = keep
	s.tokens = s.tokens[:keep]
}
