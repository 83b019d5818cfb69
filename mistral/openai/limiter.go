package openai

import (
	"context"
	"errors"
	"sync"
)

// errOverloaded: every slot is taken and the queue is full.
var errOverloaded = errors.New("openai: every slot is busy and the queue is full")

// limiter bounds the requests generating at once (slots) and those waiting
// for a slot (the queue). It is safe for concurrent use.
type limiter struct {
	slots chan struct{} // one element per request holding a slot
	met   *metrics

	mu       sync.Mutex
	waiting  int
	maxQueue int
}

func newLimiter(parallel, queue int, met *metrics) *limiter {
	return &limiter{slots: make(chan struct{}, parallel), maxQueue: queue, met: met}
}

// acquire takes a slot, waiting in the queue while there is room in it. It
// returns errOverloaded when there is none, ctx's error when ctx ends while
// it waits. release gives the slot back.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.taken(), nil
	default:
	}
	l.mu.Lock()
	if l.waiting >= l.maxQueue {
		l.mu.Unlock()
		l.met.rejected.Inc()
		return nil, errOverloaded
	}
	l.waiting++
	l.met.queued.Inc()
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.waiting--
		l.met.queued.Dec()
		l.mu.Unlock()
	}()
	select {
	case l.slots <- struct{}{}:
		return l.taken(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// taken counts a slot taken and returns its release, which is idempotent.
func (l *limiter) taken() func() {
	l.met.running.Inc()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.met.running.Dec()
			<-l.slots
		})
	}
}
