package mistral

import "slices"

// Tokens returns a copy of the tokens the session holds: every token fed or
// generated since the last Reset, in order (what Prefill compares a new
// prompt with). Like every method, it must not run while another goroutine
// uses the session.
func (s *Session) Tokens() []int32 {
	s.enter()
	defer s.leave()
	return slices.Clone(s.tokens)
}
