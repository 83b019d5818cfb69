package mistral

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// Config configures Load. The zero value is ready to use.
type Config struct {
	// Threads is the number of threads the model computes with, for all
	// its Sessions together: their forward passes run one at a time, each
	// on all of these threads, and the single-token steps of Sessions
	// generating at the same time are merged into one pass (see Session).
	// Zero means one per CPU the process may use (runtime.GOMAXPROCS), or
	// one for a model of under 64 MB of weights, whose passes are too short
	// for threads to gain (the small model in testdata generates 2 to 4
	// times faster on one thread than on two). More threads than cores only
	// slows GGML down: its threads spin while they wait for each other.
	// Negative is an error.
	Threads int

	// Device computes the model. Nil means the CPU (ggml.CPU()), the only
	// device this build is tested on.
	Device *ggml.Device

	// SlidingWindow overrides the attention window W. Zero means: the file's
	// llama.attention.sliding_window; else 4096 for Mistral 7B v0.1 files,
	// which are recognised by shape (the GGUFs in circulation lack the key);
	// else full attention over the file's context length. Params.WindowSource
	// says which applied, and Load logs it.
	SlidingWindow int

	// Logger receives what the library has to say (the window decided, load
	// time). Nil means slog.Default().
	Logger *slog.Logger

	// Progress, if not nil, is called as weights are mapped, with the bytes
	// done so far and the total. It is called from Load's goroutine.
	Progress func(done, total int64)

	// Repack decides whether Load copies the Q4_0, Q4_K and IQ4_NL matrices
	// (all but the embedding) into memory with their rows interleaved in
	// groups of eight, the layout GGML's AVX2 kernels multiply fastest, as
	// llama.cpp's default build does: measured on a 7B Q4_0 file,
	// generation about 20% faster, prompts about 35%; on a 7B Q4_K_M file
	// prompts 1.9x and generation 1.3-1.7x (bench/results/repack-q4k-*).
	// The cost is memory the process owns instead of shared file pages (the
	// mapped pages of the copied weights are released) and the time to copy.
	// Repacked Q4_K matrices compute rows alike only in whole groups of
	// four, so a token's logits then depend on its company unless
	// SessionConfig.Deterministic is set (Q4_0 and IQ4_NL do not). See
	// RepackMode. On CPUs without AVX2, and for other types, nothing is
	// copied and the mode does not matter.
	Repack RepackMode
}

// RepackMode is when Load repacks weights (see Config.Repack).
type RepackMode int

const (
	// RepackAtLoad (the default) repacks before Load returns. Load then
	// takes the time to copy the weights into new memory (in huge pages on
	// Linux): on the machine this was measured on, where the first touch of
	// new memory is slow, 0.4 to 1.2 s per GB (1.4 to 2.5 s for a 7B Q4_0
	// file in the page cache in most runs, up to 4.8 s when the system had
	// little free memory; 0.05 s without repacking).
	RepackAtLoad RepackMode = iota

	// RepackInBackground returns from Load at once, with every weight read
	// from the mapped file, and repacks on one goroutine whose thread has
	// the lowest scheduling priority (on Linux), so it takes the CPU the
	// Sessions leave: the first tokens come as fast as without repacking,
	// and graphs built after the swap use the repacked weights. Under
	// constant load the repacking can take minutes; Model.WaitRepack waits
	// for it. Logits computed before and after the swap may differ in their
	// last bits (other kernels), so runs that must repeat bit for bit
	// should use one of the other modes.
	RepackInBackground

	// RepackOff keeps every weight in the mapped file: the fastest start
	// and the least private memory.
	RepackOff
)

var repackNames = []string{RepackAtLoad: "load", RepackInBackground: "background", RepackOff: "off"}

// String returns the mode's name: load, background or off.
func (r RepackMode) String() string {
	if r >= 0 && int(r) < len(repackNames) {
		return repackNames[r]
	}
	return fmt.Sprintf("RepackMode(%d)", int(r))
}

// MarshalText returns the mode's name.
func (r RepackMode) MarshalText() ([]byte, error) {
	if r < 0 || int(r) >= len(repackNames) {
		return nil, fmt.Errorf("mistral: invalid RepackMode %d", int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText sets the mode from its name (load, background or off), so
// a RepackMode can be a command-line flag (flag.TextVar) or a JSON string.
func (r *RepackMode) UnmarshalText(text []byte) error {
	for i, name := range repackNames {
		if string(text) == name {
			*r = RepackMode(i)
			return nil
		}
	}
	return fmt.Errorf("mistral: repack mode %q: want load, background or off", text)
}

// Model is a loaded Mistral model: hyper-parameters, tokenizer and weights
// mapped from the file, and the scheduler that runs its Sessions' forward
// passes on the model's threads. A Model is immutable and safe for
// concurrent use by multiple goroutines; each goroutine generates through a
// Session of its own. Close releases it; a Model that is garbage collected
// without Close (and without Sessions) is released then, with a warning
// through its logger that says where it was loaded.
type Model struct {
	*model
	cleanup runtime.Cleanup
}

// model is a Model's state. The goroutines a Model runs (its scheduler, the
// background repacking) hold this, never the Model, so that a Model nobody
// holds can be collected.
type model struct {
	params Params
	tok    *tokenizer.Tokenizer
	log    *slog.Logger
	cfg    Config

	dev     *ggml.Device
	file    *gguf.Mapped
	weights *ggml.Context // tensors of the mapped weights
	buf     *ggml.Buffer  // the mapped file
	sched   *scheduler    // runs the Sessions' forward passes
	size    int64         // bytes of the weights (as in the file)

	plain   weightSet                 // the weights in the mapped file
	current atomic.Pointer[weightSet] // what graphs are built with: plain, or with repacked matrices
	repack  repacker

	// How the device multiplies the weights in use (see kernelFacts).
	kernels kernelFacts

	caches       cachePool    // KV caches of closed Sessions, for new ones
	grammars     grammars     // grammar indexes for constrained generation
	toolGrammars toolGrammars // grammars of the calls of recent sets of tools

	textsOnce sync.Once
	texts     []string // per token: its text for log-probabilities (tokenTexts)

	fpOnce sync.Once
	fp     [32]byte // fingerprint, for saved sessions

	// mu guards closed against sessions computing: they hold it for reading
	// while GGML reads the weights.
	mu     sync.RWMutex
	closed bool
}

// weightSet is the weights a graph reads.
type weightSet struct {
	embd    *ggml.Tensor // [dim, vocab]
	outNorm *ggml.Tensor // [dim]
	output  *ggml.Tensor // [dim, vocab]
	layers  []layer
}

// layer holds one transformer block's weights.
type layer struct {
	attnNorm *ggml.Tensor // [dim]
	wq       *ggml.Tensor // [dim, heads*head_dim]
	wk       *ggml.Tensor // [dim, kv_heads*head_dim]
	wv       *ggml.Tensor // [dim, kv_heads*head_dim]
	wo       *ggml.Tensor // [heads*head_dim, dim]
	ffnNorm  *ggml.Tensor // [dim]
	gate     *ggml.Tensor // [dim, ffn]
	up       *ggml.Tensor // [dim, ffn]
	down     *ggml.Tensor // [ffn, dim]
}

// RepackedBytes returns the bytes of weights in use in GGML's interleaved
// layout, in memory of their own (see Config.Repack): zero with RepackOff,
// when no weight has such a layout on this CPU, or while RepackInBackground
// has not finished. The rest of the weights are read from the mapped file.
func (m *Model) RepackedBytes() int64 { return m.repack.bytes.Load() }

// WaitRepack waits until the repacking Config.RepackInBackground started is
// over, and returns what stopped it, if anything (then the model goes on
// with the mapped weights), or ctx's error. It returns nil at once in the
// other modes.
func (m *Model) WaitRepack(ctx context.Context) error {
	if m.repack.done == nil {
		return nil
	}
	select {
	case <-m.repack.done:
		return m.repack.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Params returns the model's hyper-parameters.
func (m *Model) Params() Params { return m.params }

// Tokenizer returns the model's tokenizer (safe for concurrent use).
func (m *Model) Tokenizer() *tokenizer.Tokenizer { return m.tok }

// threads returns the thread count the model computes with.
func (m *model) threads() int {
	switch {
	case m.cfg.Threads > 0:
		return m.cfg.Threads
	case m.size < smallModelBytes:
		return 1
	}
	return runtime.GOMAXPROCS(0)
}

// smallModelBytes: a model with fewer bytes of weights computes a token in
// about a millisecond, less than GGML's threads lose meeting at each
// operation of the pass: one thread is faster. (On two cores the 18 MB
// model of testdata generates 2 to 4 times faster on one thread than on
// two; files of Mistral 7B's width, 1 GB and more, are faster on both.)
const smallModelBytes = 64 << 20

// Close unmaps the weights and frees their GGML memory. Sessions still open
// fail with ErrClosed afterwards (close them first). Close is idempotent and
// nil-safe.
func (m *Model) Close() error {
	if m == nil || m.model == nil {
		return nil
	}
	m.cleanup.Stop()
	return m.model.close()
}

func (m *model) close() error {
	m.repack.stop()
	m.sched.close()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.sched.free()
	m.caches.close()
	m.buf.Close()
	m.repack.close()
	m.weights.Close()
	return m.file.Close()
}
