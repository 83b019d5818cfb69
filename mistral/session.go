package mistral

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/gomistral/gomistral/ggml"
)

// SessionConfig configures a Session. The zero value is ready to use.
type SessionConfig struct {
	// BatchSize is the most tokens computed in one forward pass while
	// reading a prompt. Zero means 64. Passes are aligned blocks of this
	// size (rounded down to a divisor of the window), which is what makes a
	// token's logits independent of how its prompt was split.
	BatchSize int

	// Cache is the element type of the KV cache. The zero value, CacheF16,
	// stores keys and values in half precision; CacheF32 doubles the memory
	// for single-precision attention; CacheQ8_0 stores the keys in Q8_0.
	Cache CacheType

	// Deterministic makes a token's logits independent of how tokens are
	// batched for every weight type. GGML multiplies a single row with other
	// kernels than several; for F32, F16 and BF16 weights a lone token is
	// always computed as two identical rows, at no measurable cost, and
	// K-quant weights in the file's layout use the same kernel either way.
	// For Q4_0, Q5_0, Q8_0 and IQ4_NL weights, computing the extra row costs
	// about 30% of the generation speed, so it is done only when
	// Deterministic is set; it is not needed for Q4_0 and IQ4_NL matrices
	// repacked at load (see Config.Repack), whose kernels compute one row
	// exactly as many. Repacked Q4_K matrices compute rows alike only in
	// whole groups of four: with Deterministic every pass is padded to whole
	// groups (a lone token costs about what four do). Drafts (see
	// GenerateConfig.NoDrafts) are used only where a token's logits do not
	// depend on its company: by default, or with Deterministic.
	Deterministic bool

	// Context is the number of positions the KV cache holds for a model
	// without a sliding window (for one with a window the cache holds the
	// window, whatever this says). Zero means the model's context length,
	// at most 8192.
	Context int
}

// CacheType is the element type of a Session's KV cache.
type CacheType int

const (
	CacheF16 CacheType = iota // half precision: 2 bytes per element (default)
	CacheF32                  // single precision: 4 bytes per element

	// CacheQ8_0 stores the keys in Q8_0 (34 bytes per 32 elements) and the
	// values in F16: 0.77 times the memory of CacheF16, for a relative
	// logit error of a few 1e-3 (see the tests). The values stay F16
	// because they are kept transposed, one row per dimension across the
	// window's positions, for the product with the attention weights; a
	// token writes one element of each such row, which a block-quantised
	// row cannot take. The head size must be a multiple of 32.
	CacheQ8_0
)

func (c CacheType) String() string {
	switch c {
	case CacheF16:
		return "F16"
	case CacheF32:
		return "F32"
	case CacheQ8_0:
		return "Q8_0"
	}
	return fmt.Sprintf("CacheType(%d)", int(c))
}

// types returns the element types of the keys and of the values.
func (c CacheType) types() (key, value ggml.Type, err error) {
	switch c {
	case CacheF16:
		return ggml.F16, ggml.F16, nil
	case CacheF32:
		return ggml.F32, ggml.F32, nil
	case CacheQ8_0:
		return ggml.Q8_0, ggml.F16, nil
	}
	return 0, 0, fmt.Errorf("unknown cache type %d", int(c))
}

// defaultBatch is the prompt chunk when SessionConfig.BatchSize is zero.
const defaultBatch = 64

// viewGranule is the step in which the part of the cache a chunk reads
// grows, so that decoding reuses one graph for many tokens. Each step
// builds new graphs; a coarser one reads more masked slots: with 256, 8
// Sessions decoding at positions 32 to 160 on the 7B shape spent about 15%
// of their computing time in attention (profile), with 64 about 8%, for 5
// graph builds (86 ms) in 127 passes (60 s).
const viewGranule = 64

// Session is one sequence being computed: its KV cache (a rolling buffer of
// the window's size and one block), its position and the logits of its last token. A
// Session can only be used by one goroutine at a time (two at once panics);
// many Sessions, each in its goroutine, run on one Model at once, sharing
// its weights and its threads: their forward passes are queued and run one
// at a time with all the model's threads, and the single-token steps of
// Sessions generating at the same time are computed together in one pass.
// A token's logits are the same whichever Sessions it was computed with (for
// the weight types where that costs speed, with SessionConfig.Deterministic).
// Close frees its memory.
type Session struct {
	m   *Model
	cfg SessionConfig
	id  uint64 // unique in the process

	cacheCtx *ggml.Context
	cacheBuf *ggml.Buffer
	k        []*ggml.Tensor // per layer, [kv_dim, slots]: keys after RoPE (as in cache)
	vt       []*ggml.Tensor // per layer, [slots, kv_dim]: values, transposed (as in cache)
	cache    *kvCache       // what a forward graph reads of the session
	slots    slots

	padLone bool    // compute a lone token as two rows (see SessionConfig.Deterministic)
	req     request // its request to the scheduler, reused

	// sampler carries the random stream from one generation to the next
	// (and into a saved session); each generation gives it its
	// configuration. Reset sets it to the zero Sampler, whose stream has
	// not started.
	sampler Sampler

	logits []float32 // [vocab]: logits after the last token
	// stale: logits are not (all) those after the last token held: the
	// last pass computed the logits of some tokens only, the others -Inf
	// (see only), or positions after the one they follow were forgotten
	// (truncate: a generation stopped inside a pass of drafts, a failed
	// pass). wholeLogits computes them again.
	stale bool
	// only, when set, are the tokens whose logits the next feed needs after
	// its last token, in groups of onlyGranule: the generation's draw can
	// keep no other. A pass computing that token alone computes those only.
	only   []int32
	tokens []int32    // every token fed since the last Reset
	chat   []chatTurn // the conversation the tokens hold, if Chat made them

	all      []float32   // logits of every token of the last pass, when asked for
	computed int         // tokens computed since the session was made (for tests)
	stats    DecodeStats // what its generations computed

	busy    atomic.Bool // set while a method runs: concurrent use panics
	closed  bool
	cleanup runtime.Cleanup // reports a Session garbage collected without Close
}

var sessionIDs atomic.Uint64

// NewSession returns a Session on the model. It sets up the KV cache:
// (W + b) × layers × 2 × kv_dim × 2 bytes for F16, W the attention window
// and b the block (the batch size rounded down to a divisor of W: 64 for
// Mistral 7B), keys and values (see CacheType for the others), taken from
// the system as the cache fills.
func (m *Model) NewSession(cfg SessionConfig) (*Session, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("mistral: new session: %w", err)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, fmt.Errorf("mistral: new session: %w", ErrClosed)
	}
	p := m.params
	kType, vType, err := cfg.Cache.types()
	if err != nil {
		return nil, fmt.Errorf("mistral: new session: %w", err)
	}
	if p.HeadDim%kType.BlockSize() != 0 {
		return nil, fmt.Errorf("mistral: new session: a %v cache needs a head size that is a multiple of %d, not %d",
			cfg.Cache, kType.BlockSize(), p.HeadDim)
	}
	batch := cfg.BatchSize
	if batch == 0 {
		batch = defaultBatch
	}
	n := p.Window
	if p.WindowSource == WindowNone {
		n = cfg.Context
		if n == 0 {
			n = min(p.ContextLength, 8192)
		}
		// Round the context up to whole blocks.
		batch = min(batch, n)
		n = (n + batch - 1) / batch * batch
	}
	block := largestDivisor(n, batch)
	if p.WindowSource != WindowNone {
		// One block more than the window, so that positions a pass writes
		// and the session then forgets (drafts the model did not take, a
		// prefix rewound by Prefill) never take the slot of one the next
		// token still attends to.
		n += block
	}
	s := &Session{m: m, cfg: cfg, id: sessionIDs.Add(1), slots: newSlots(n, min(p.Window, n), block)}
	s.padLone = m.kernels.padsLone(cfg.Deterministic)
	sc, err := m.newSessionCache(n, block, kType, vType)
	if err != nil {
		return nil, fmt.Errorf("mistral: new session: KV cache: %w", err)
	}
	s.cache, s.k, s.vt = sc.c, sc.c.k, sc.c.vt
	s.cacheCtx, s.cacheBuf = sc.ctx, sc.buf
	s.logits = make([]float32, p.Vocab)
	buf, ctx := s.cacheBuf, s.cacheCtx
	s.cleanup = runtime.AddCleanup(s, leaked, leak{log: m.log, what: "Session", where: callers(),
		free: func() error { buf.Close(); ctx.Close(); return nil }})
	return s, nil
}

// check reports a configuration value that cannot mean anything.
func (cfg SessionConfig) check() error {
	switch {
	case cfg.BatchSize < 0:
		return fmt.Errorf("SessionConfig.BatchSize %d is negative (0 means %d)", cfg.BatchSize, defaultBatch)
	case cfg.Context < 0:
		return fmt.Errorf("SessionConfig.Context %d is negative (0 means the model's)", cfg.Context)
	}
	return nil
}

// kvCache is what a forward graph reads of a Session: its cache tensors
// and their layout. Graphs hold this, not the Session.
type kvCache struct {
	k        []*ggml.Tensor // per layer, [kv_dim, slots]: keys after RoPE
	vt       []*ggml.Tensor // per layer, [slots, kv_dim]: values, transposed
	n, block int            // slots per layer; block size (see slots)
	attnPad  bool           // the attention pads a lone query column (see attnRows)
	byColumn bool           // see valuesByColumn
}

// valuesByColumn reports whether a pass writes its tokens' values as
// columns of the transposed cache (ggml.SetColumns: F16 values, on the
// CPU, the only device that runs an op of ours) rather than element by
// element as rows (SetRows, through an index per element).
func (c *kvCache) valuesByColumn() bool { return c.byColumn }

// largestDivisor returns the largest divisor of n that is at most limit.
func largestDivisor(n, limit int) int {
	for d := min(n, limit); d > 1; d-- {
		if n%d == 0 {
			return d
		}
	}
	return 1
}

// enter and leave bracket every method: two goroutines using one Session at
// once is a programmer error and panics (and trips the race detector).
func (s *Session) enter() {
	if !s.busy.CompareAndSwap(false, true) {
		panic("mistral: Session used by two goroutines at once")
	}
}

func (s *Session) leave() { s.busy.Store(false) }

// Position returns the number of tokens the session has seen: the position
// the next token will take.
func (s *Session) Position() int { return s.slots.next }

// RestartSampling forgets the sampler's random stream (not the tokens): the
// next generation starts it from its SamplerConfig.Seed, as in a new
// Session, instead of going on with it. A server that reuses Sessions
// across requests calls it so that a request's seed means the same whatever
// Session serves it.
func (s *Session) RestartSampling() {
	s.enter()
	defer s.leave()
	s.sampler = Sampler{}
}

// DecodeStats returns what the session's generations computed since it was
// made: tokens, passes and drafts (see GenerateConfig.NoDrafts).
func (s *Session) DecodeStats() DecodeStats { return s.stats }

// CacheBytes returns the memory of the KV cache in bytes.
func (s *Session) CacheBytes() int64 { return s.cacheBuf.Size() }

// Logits returns the logits predicting the token after the last one fed, a
// slice of vocabulary size that the next call overwrites. Before any token
// it is all zeros. Where the last generation left them stale (it computed
// the logits of the tokens its grammar allowed only, or it stopped inside
// a pass of drafts), Logits computes the last token's again. Called while
// the Session is in use (from a generation's loop), or after Close or the
// Model's Close, it returns them as they are.
func (s *Session) Logits() []float32 {
	if s.busy.CompareAndSwap(false, true) {
		s.wholeLogits(context.Background()) // an error leaves them as they are: the model is closed
		s.leave()
	}
	return s.logits
}

// wholeLogits computes the last token's logits again when they are stale
// (see Session.stale); the caller has entered the Session. When it fails
// before computing, the session still holds the token.
func (s *Session) wholeLogits(ctx context.Context) error {
	if !s.stale || len(s.tokens) == 0 {
		return nil
	}
	last := len(s.tokens) - 1
	tok, slot := s.tokens[last], s.slots.slot(last)
	held := s.slots.pos[slot]
	s.truncate(last)
	if err := s.feed(ctx, []int32{tok}, nil); err != nil {
		if s.Position() == last {
			s.slots.pos[slot], s.slots.next = held, last+1
			s.tokens = append(s.tokens, tok)
			s.stale = true // still not computed (truncate(0) zeroed them)
		}
		return err
	}
	return nil
}

// Reset forgets every token and the random stream: the session starts over
// at position 0, and generates as a new Session would.
func (s *Session) Reset() {
	s.enter()
	defer s.leave()
	s.truncate(0)
	s.chat = s.chat[:0]
	s.sampler = Sampler{} // the next seed starts the stream afresh
}

// Close frees the session's memory. It is idempotent and nil-safe.
func (s *Session) Close() error {
	if s == nil {
		return nil
	}
	s.enter()
	defer s.leave()
	if s.closed {
		return nil
	}
	s.closed = true
	s.cleanup.Stop()
	s.m.caches.put(&sessionCache{c: s.cache, ctx: s.cacheCtx, buf: s.cacheBuf})
	return nil
}

// Feed computes the tokens, in chunks of at most the batch size, appending
// them to the session; afterwards Logits predicts the next token. ctx is
// checked between chunks: on cancellation the tokens computed so far stay in
// the session and the error wraps ctx.Err().
func (s *Session) Feed(ctx context.Context, tokens []int32) error {
	s.enter()
	defer s.leave()
	if err := s.feed(ctx, tokens, nil); err != nil {
		return fmt.Errorf("mistral: feed: %w", err)
	}
	return nil
}

// FeedAll is Feed that also hands every token's logits to fn, in order: fn
// receives the token's index in tokens and the logits predicting the token
// after it (valid only during the call). An error from fn stops the feed.
func (s *Session) FeedAll(ctx context.Context, tokens []int32, fn func(i int, logits []float32) error) error {
	s.enter()
	defer s.leave()
	if err := s.feed(ctx, tokens, fn); err != nil {
		return fmt.Errorf("mistral: feed: %w", err)
	}
	return nil
}

func (s *Session) feed(ctx context.Context, tokens []int32, fn func(int, []float32) error) error {
	if s.closed {
		return fmt.Errorf("session %w", ErrClosed)
	}
	vocab := int32(s.m.params.Vocab)
	for i, t := range tokens {
		if t < 0 || t >= vocab {
			return fmt.Errorf("token %d at index %d is outside the vocabulary [0, %d)", t, i, vocab)
		}
	}
	if s.m.params.WindowSource == WindowNone && s.slots.next+len(tokens) > s.slots.n {
		return fmt.Errorf("%d tokens after %d: %w (%d positions)", len(tokens), s.slots.next, ErrContextFull, s.slots.n)
	}
	for done := 0; done < len(tokens); {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := min(s.slots.room(), len(tokens)-done)
		var only []int32
		if fn == nil && done+k == len(tokens) {
			only = s.only
		}
		n, err := s.m.sched.compute(ctx, s, tokens[done:done+k], fn != nil, only)
		if err != nil {
			return err
		}
		if fn != nil {
			vocab := len(s.logits)
			all := s.all
			if n == 1 {
				all = s.logits
			}
			for i := 0; i < n; i++ {
				if err := fn(done+i, all[i*vocab:(i+1)*vocab]); err != nil {
					return err
				}
			}
		}
		done += n
	}
	return nil
}

// grow returns b resized to n elements, reusing its memory when it can.
func grow[T any](b []T, n int) []T {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]T, n)
}
