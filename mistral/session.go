package mistral

import (
	"context"
	"fmt"
	"runtime"
	"slices"
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

	// Threads overrides the Model's thread count for this Session. Zero
	// means the Model's.
	Threads int

	// Cache is the element type of the KV cache. The zero value, CacheF16,
	// stores keys and values in half precision; CacheF32 doubles the memory
	// for single-precision attention; CacheQ8_0 stores the keys in Q8_0.
	Cache CacheType

	// Deterministic makes a token's logits independent of how tokens are
	// batched for every weight type. GGML multiplies a single row with other
	// kernels than several; for F32, F16 and BF16 weights a lone token is
	// always computed as two identical rows, at no measurable cost, and
	// K-quant weights use the same kernel either way. For Q4_0, Q5_0, Q8_0
	// and IQ4_NL weights, computing the extra row costs about 30% of the
	// generation speed, so it is done only when Deterministic is set; it is
	// not needed for Q4_0 and IQ4_NL matrices repacked at load (see
	// Config.Repack), whose kernels compute one row exactly as many.
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
// grows, so that decoding reuses one graph for many tokens.
const viewGranule = 256

// Session is one sequence being computed: its KV cache (a rolling buffer of
// the window's size), its position and the logits of its last token. A
// Session can only be used by one goroutine at a time; many Sessions may run
// on one Model at once, sharing its weights. Close frees its memory.
type Session struct {
	m   *Model
	cfg SessionConfig

	be       *ggml.Backend
	cacheCtx *ggml.Context
	cacheBuf *ggml.Buffer
	k        []*ggml.Tensor // per layer, [kv_dim, slots]: keys after RoPE
	vt       []*ggml.Tensor // per layer, [slots, kv_dim]: values, transposed
	slots    slots

	run     runner // backend, graph allocator and the graph last computed
	padLone bool   // compute a lone token as two rows (see SessionConfig.Deterministic)

	sampler  *Sampler // the sampler of the current or last generation
	rngState []byte   // its state after the last token it chose

	logits []float32  // [vocab]: logits after the last token
	tokens []int32    // every token fed since the last Reset
	chat   []chatTurn // the conversation the tokens hold, if Chat made them

	all      []float32 // logits of every token of the last pass, when asked for
	computed int       // tokens computed since the session was made (for tests)

	busy atomic.Bool // set while a method runs: concurrent use panics
}

// NewSession returns a Session on the model. It allocates the KV cache:
// W × layers × 2 × kv_dim × 2 bytes for F16, W the attention window
// (keys and values; see CacheType for the others).
func (m *Model) NewSession(cfg SessionConfig) (*Session, error) {
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
	if batch <= 0 {
		batch = defaultBatch
	}
	n := p.Window
	if p.WindowSource == WindowNone {
		n = cfg.Context
		if n <= 0 {
			n = min(p.ContextLength, 8192)
		}
		// Round the context up to whole blocks.
		batch = min(batch, n)
		n = (n + batch - 1) / batch * batch
	}
	block := largestDivisor(n, batch)
	threads := cfg.Threads
	if threads <= 0 {
		threads = m.threads()
	}
	s := &Session{m: m, cfg: cfg, slots: newSlots(n, min(p.Window, n), block)}
	s.padLone = m.singleRowKernels && (m.fullPrecision || cfg.Deterministic)
	be, err := ggml.NewCPU(threads)
	if err != nil {
		return nil, fmt.Errorf("mistral: new session: %w", err)
	}
	s.be = be
	s.cacheCtx = ggml.NewContext(2*p.Layers, 0)
	for i := 0; i < p.Layers; i++ {
		s.k = append(s.k, s.cacheCtx.NewTensor(kType, int64(p.KVDim()), int64(n)).SetName(fmt.Sprintf("cache_k.%d", i)))
		s.vt = append(s.vt, s.cacheCtx.NewTensor(vType, int64(n), int64(p.KVDim())).SetName(fmt.Sprintf("cache_vt.%d", i)))
	}
	// The cache's memory is taken from the system as it fills: a short
	// conversation does not pay for the whole window.
	if s.cacheBuf, err = ggml.NewOnDemandBuffer(slices.Concat(s.k, s.vt)...); err != nil {
		s.free()
		return nil, fmt.Errorf("mistral: new session: KV cache: %w", err)
	}
	s.run = runner{m: m, be: s.be, alloc: ggml.NewAllocator(s.be)}
	// Size the compute buffer now, so that the first pass does not.
	if err := s.run.reserve([]*Session{s}); err != nil {
		s.free()
		return nil, fmt.Errorf("mistral: new session: %w", err)
	}
	s.logits = make([]float32, p.Vocab)
	runtime.SetFinalizer(s, func(s *Session) {
		if s.be != nil {
			m.log.Warn("mistral: a Session was garbage collected without Close; its memory leaked until now")
			s.free()
		}
	})
	return s, nil
}

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

// CacheBytes returns the memory of the KV cache in bytes.
func (s *Session) CacheBytes() int64 { return s.cacheBuf.Size() }

// Logits returns the logits predicting the token after the last one fed, a
// slice of vocabulary size that the next call overwrites. Before any token
// it is all zeros.
func (s *Session) Logits() []float32 { return s.logits }

// Reset forgets every token: the session starts over at position 0.
func (s *Session) Reset() {
	s.enter()
	defer s.leave()
	s.slots.reset()
	s.tokens = s.tokens[:0]
	s.chat = s.chat[:0]
	clear(s.logits)
}

// Close frees the session's memory. It is idempotent and nil-safe.
func (s *Session) Close() error {
	if s == nil {
		return nil
	}
	s.enter()
	defer s.leave()
	s.free()
	return nil
}

func (s *Session) free() {
	s.run.close()
	s.cacheBuf.Close()
	s.cacheCtx.Close()
	s.be.Close()
	s.be = nil
}

// Feed computes the tokens, in chunks of at most the batch size, appending
// them to the session; afterwards Logits predicts the next token. ctx is
// checked between chunks: on cancellation the tokens computed so far stay in
// the session and the error wraps ctx.Err().
func (s *Session) Feed(ctx context.Context, tokens []int32) error {
	s.enter()
	defer s.leave()
	return s.feed(ctx, tokens, nil)
}

// FeedAll is Feed that also hands every token's logits to fn, in order: fn
// receives the token's index in tokens and the logits predicting the token
// after it (valid only during the call). An error from fn stops the feed.
func (s *Session) FeedAll(ctx context.Context, tokens []int32, fn func(i int, logits []float32) error) error {
	s.enter()
	defer s.leave()
	return s.feed(ctx, tokens, fn)
}

func (s *Session) feed(ctx context.Context, tokens []int32, fn func(int, []float32) error) error {
	if s.be == nil {
		return fmt.Errorf("mistral: feed: %w", ErrClosed)
	}
	vocab := int32(s.m.params.Vocab)
	for i, t := range tokens {
		if t < 0 || t >= vocab {
			return fmt.Errorf("mistral: feed: token %d at index %d is outside the vocabulary [0, %d)", t, i, vocab)
		}
	}
	if s.m.params.WindowSource == WindowNone && s.slots.next+len(tokens) > s.slots.n {
		return fmt.Errorf("mistral: feed: %d tokens after %d: %w (%d positions)", len(tokens), s.slots.next, ErrContextFull, s.slots.n)
	}
	for done := 0; done < len(tokens); {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("mistral: feed: %w", err)
		}
		k := min(s.slots.room(), len(tokens)-done)
		if err := s.compute(tokens[done:done+k], fn != nil); err != nil {
			return err
		}
		if fn != nil {
			vocab := len(s.logits)
			all := s.all
			if k == 1 {
				all = s.logits
			}
			for i := 0; i < k; i++ {
				if err := fn(done+i, all[i*vocab:(i+1)*vocab]); err != nil {
					return err
				}
			}
		}
		done += k
	}
	return nil
}

// compute runs one pass of tokens, all within one block, and commits them
// to the cache. With all, the logits of every token are left in s.all;
// otherwise only the last token's, in s.logits.
func (s *Session) compute(pass []int32, all bool) error {
	m := s.m
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fmt.Errorf("mistral: feed: model %w", ErrClosed)
	}
	outputs := 1
	if all {
		outputs = len(pass)
	}
	seg := segment{s: s, tokens: pass, outputs: outputs}
	return s.run.run([]segment{seg}, len(pass) == 1 && s.padLone, s.padLone)
}

// grow returns b resized to n elements, reusing its memory when it can.
func grow[T any](b []T, n int) []T {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]T, n)
}
