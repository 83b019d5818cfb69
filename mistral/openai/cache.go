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

// keptSession is a Session and the tokens it holds.
type keptSession struct {
	s      *mistral.Session
	tokens []int32
	bytes  int64
}

// take returns a Session for a prompt: the kept one whose tokens share the
// longest prefix with it, when that prefix is at least half of what the
// Session holds (taking it discards the rest, which another request may
// still want), else a new Session. cached is the length of the prefix
// shared (the tokens the Session need not compute, but for the last).
func (c *promptCache) take(prompt []int32) (s *mistral.Session, cached int, err error) {
	c.mu.Lock()
	best, bestLen := -1, 0
	for i := len(c.kept) - 1; i >= 0; i-- { // most recent first: it wins ties
		k := c.kept[i]
		n := commonPrefix(k.tokens, prompt)
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
		return k.s, min(bestLen, len(prompt)-1), nil
	}
	c.mu.Unlock()
	s, err = c.m.NewSession(c.cfg)
	return s, 0, err
}

// put gives back a Session taken from the cache: it is kept, and the least
// recently used are closed while the cache is over its bounds.
func (c *promptCache) put(s *mistral.Session) {
	if c.off {
		s.Close()
		return
	}
	k := &keptSession{s: s, tokens: s.Tokens(), bytes: s.CacheBytes()}
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
