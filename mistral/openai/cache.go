package openai

import (
	"sync"

	"github.com/gomistral/gomistral/mistral"
)

// promptCache keeps the Sessions of finished requests, so that a request
// whose prompt begins like one of theirs continues it instead of computing
// its whole prompt again: a conversation sent again with one more turn
// computes only that turn. It is bounded in Sessions and in KV cache
// memory, the least recently used going first. It is safe for concurrent
// use; a Session taken from it belongs to the taker until put back.
type promptCache struct {
	m   *mistral.Model
	cfg mistral.SessionConfig
	met *metrics
	off bool

	mu          sync.Mutex
	kept        []*keptSession // least recently used first
	bytes       int64          // the kept Sessions' CacheBytes
	maxSessions int
	maxBytes    int64
	closed      bool
}

// keptSession is a Session and what it holds.
type keptSession struct {
	s      *mistral.Session
	tokens []int32
	msgs   []mistral.Message // the conversation, if Chat made the tokens
	bytes  int64
}

// reusable returns how many of the Session's tokens a task's prompt
// would keep. A conversation that extends the Session's (its answer
// included) keeps them all: Session.Chat puts the ids it generated in
// place of its answer, whose text encodes to other ids at times.
// Otherwise it is the tokens' common prefix.
func (k *keptSession) reusable(t *task) int {
	if t.chat != nil && len(k.msgs) > 0 && len(k.msgs) < len(t.chat) {
		same := true
		for i, m := range k.msgs {
			if !m.Equal(t.chat[i]) {
				same = false
				break
			}
		}
		if same {
			return len(k.tokens)
		}
	}
	return commonPrefix(k.tokens, t.prompt)
}

// take returns a Session for a task: the kept one that keeps the most of
// what it holds for the task's prompt, when that is at least half of it
// (taking it discards the rest, which another request may still want),
// else a new Session. held is what the Session held, to count the prompt
// tokens it did not compute (see promptTokens).
func (c *promptCache) take(t *task) (s *mistral.Session, held []int32, err error) {
	c.mu.Lock()
	best, bestLen := -1, 0
	for i := len(c.kept) - 1; i >= 0; i-- { // most recent first: it wins ties
		k := c.kept[i]
		n := k.reusable(t)
		if n > bestLen && 2*n >= len(k.tokens) {
			best, bestLen = i, n
		}
	}
	if best >= 0 {
		k := c.kept[best]
		c.kept = append(c.kept[:best], c.kept[best+1:]...)
		c.bytes -= k.bytes
		c.gauges()
		c.mu.Unlock()
		return k.s, k.tokens, nil
	}
	c.mu.Unlock()
	s, err = c.m.NewSession(c.cfg)
	return s, nil, err
}

// promptTokens returns the length of the prompt a Session computed for an
// answer of generated tokens, now that it holds now, and how many of them
// it did not compute because it held them before (held): their common
// prefix (Prefill keeps it, and computes at least the prompt's last
// token). cached overcounts in the rare case where Prefill had to start
// over (a prefix beyond the window, whose positions the rolling cache has
// overwritten). The prompt is counted as the Session holds it: for a chat,
// the answers it generated before count as the ids it generated, which
// their text does not always encode to.
func promptTokens(held, now []int32, generated int) (prompt, cached int) {
	prompt = max(0, len(now)-generated)
	return prompt, max(0, min(commonPrefix(held, now), prompt-1))
}

// put gives back a Session taken from the cache: it is kept, and the least
// recently used are closed while the cache is over its bounds.
func (c *promptCache) put(s *mistral.Session) {
	if c.off {
		s.Close()
		return
	}
	k := &keptSession{s: s, tokens: s.Tokens(), msgs: s.Messages(), bytes: s.CacheBytes()}
	c.mu.Lock()
	if c.closed || len(k.tokens) == 0 {
		c.mu.Unlock()
		s.Close()
		return
	}
	c.kept = append(c.kept, k)
	c.bytes += k.bytes
	var evicted []*keptSession
	for len(c.kept) > 0 && (len(c.kept) > c.maxSessions || c.bytes > c.maxBytes) {
		evicted = append(evicted, c.kept[0])
		c.bytes -= c.kept[0].bytes
		c.kept = c.kept[1:]
	}
	c.gauges()
	c.mu.Unlock()
	for _, e := range evicted {
		e.s.Close()
	}
}

// gauges updates the metrics (c.mu held).
func (c *promptCache) gauges() {
	c.met.cacheSessions.Set(float64(len(c.kept)))
	c.met.cacheBytes.Set(float64(c.bytes))
}

// close closes the kept Sessions; Sessions put back later are closed.
func (c *promptCache) close() {
	c.mu.Lock()
	kept := c.kept
	c.kept, c.bytes, c.closed = nil, 0, true
	c.gauges()
	c.mu.Unlock()
	for _, k := range kept {
		k.s.Close()
	}
}

func commonPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
