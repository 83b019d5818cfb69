package mistral

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// Load maps a Mistral GGUF file (architecture "llama" or "mistral", any
// weight type GGML computes with) and checks it thoroughly: a file that is
// not GGUF, of another architecture, with missing or mis-shaped tensors,
// unsupported types or hyper-parameters that cannot be right is an error,
// never a crash. The weights are used in place from a read-only mapping of
// the file, except the matrices GGML multiplies faster interleaved (Q4_0
// and IQ4_NL on CPUs with AVX2), which are copied into memory in that
// layout, before Load returns or in the background as Config.Repack says.
// ctx cancels the load between tensors.
func Load(ctx context.Context, path string, cfg Config) (*Model, error) {
	start := time.Now()
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("mistral: load: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	dev := cfg.Device
	if dev == nil {
		dev = ggml.CPU()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mistral: load: %w", err)
	}
	before, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("mistral: load: %w", err)
	}
	if before.IsDir() {
		return nil, fmt.Errorf("mistral: load %s: %w: it is a directory", path, ErrNotGGUF)
	}
	f, err := gguf.Open(path)
	if err != nil {
		var fe *gguf.FormatError
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("mistral: load %s: %w: %w", path, ErrNotGGUF, err)
		}
		return nil, fmt.Errorf("mistral: load: %w", err)
	}
	m := &model{file: f, log: log, cfg: cfg, dev: dev}
	if err := m.load(ctx, path, before); err != nil {
		m.sched.free()
		m.buf.Close()
		m.repack.close()
		m.weights.Close()
		f.Close()
		return nil, fmt.Errorf("mistral: load %s: %w", path, err)
	}
	p := m.params
	log.Debug("mistral: model loaded", "path", path, "name", p.Name, "layers", p.Layers, "dim", p.Dim,
		"heads", p.Heads, "kv_heads", p.KVHeads, "vocab", p.Vocab, "window", p.Window,
		"window_source", p.WindowSource, "device", dev, "threads", m.threads(),
		"repacked_bytes", m.repack.bytes.Load(), "repack", m.cfg.Repack, "elapsed", time.Since(start).Round(time.Millisecond))
	h := &Model{model: m}
	h.cleanup = runtime.AddCleanup(h, leaked, leak{log: log, what: "Model " + path, where: callers(), free: m.close})
	return h, nil
}

// check reports a configuration value that cannot mean anything.
func (cfg Config) check() error {
	switch {
	case cfg.Threads < 0:
		return fmt.Errorf("Config.Threads %d is negative (0 means one per CPU)", cfg.Threads)
	case cfg.SlidingWindow < 0:
		return fmt.Errorf("Config.SlidingWindow %d is negative (0 means the file's)", cfg.SlidingWindow)
	case cfg.Repack < 0 || int(cfg.Repack) >= len(repackNames):
		return fmt.Errorf("Config.Repack %d is not a RepackMode", int(cfg.Repack))
	}
	return nil
}

func (m *model) load(ctx context.Context, path string, before os.FileInfo) error {
	f := m.file
	p, err := readParams(f.File, m.cfg.SlidingWindow)
	if err != nil {
		return err
	}
	m.params = p
	if p.WindowSource == WindowRecognised {
		m.log.Debug("mistral: recognised Mistral 7B v0.1 without a sliding_window key; using its window of 4096")
	}
	tok, err := tokenizer.FromGGUF(f.File)
	if err != nil {
		return fmt.Errorf("%w: tokenizer: %w", ErrBadModel, err)
	}
	if tok.Len() != p.Vocab {
		return fmt.Errorf("%w: the tokenizer has %d tokens, the embedding %d rows", ErrBadModel, tok.Len(), p.Vocab)
	}
	m.tok = tok
	specs, err := tensorSpecs(f.File, p)
	if err != nil {
		return err
	}
	return m.mapWeights(ctx, specs, path, before)
}

// tensorSpec is a weight the model needs and the shape it must have.
type tensorSpec struct {
	name  string
	shape []int64
	norm  bool      // a 1-D norm weight: must be F32
	role  arch.Role // what the weight is
	layer int       // its block, -1 outside the blocks
	dst   **ggml.Tensor
	info  gguf.TensorInfo
}

// tensorSpecs lists every weight with its expected shape (arch.Tensors);
// dst pointers are bound later by bindSpecs.
func tensorSpecs(f *gguf.File, p Params) ([]tensorSpec, error) {
	var specs []tensorSpec
	for _, t := range arch.Tensors(p) {
		s := tensorSpec{name: t.Name, shape: t.Shape, norm: t.Role.Norm(), role: t.Role, layer: t.Layer}
		ti, ok := f.Tensor(s.name)
		if !ok && s.role == arch.Output {
			// Tied embeddings: the output head reuses token_embd.
			ti, ok = f.Tensor(arch.TokenEmbd.Name(-1))
		}
		if !ok {
			return nil, fmt.Errorf("%w: no tensor %s", ErrBadModel, s.name)
		}
		if !equalShape(ti.Shape, s.shape) {
			return nil, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrBadModel, s.name, ti.Shape, s.shape)
		}
		if s.norm && ti.Type != gguf.TypeF32 {
			return nil, fmt.Errorf("%w: norm %s is %v, want f32", ErrUnsupportedType, s.name, ti.Type)
		}
		if !ggml.Computable(ti.Type) {
			return nil, fmt.Errorf("%w: tensor %s is %v", ErrUnsupportedType, s.name, ti.Type)
		}
		s.info = ti
		specs = append(specs, s)
	}
	return specs, nil
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mapWeights makes a GGML tensor for each weight, places its data where it
// lies in the mapped file, repacks the weights the device multiplies faster
// in its own layout (now or in the background, as Config.Repack says) and
// starts the scheduler that runs the Sessions' passes.
func (m *model) mapWeights(ctx context.Context, specs []tensorSpec, path string, before os.FileInfo) error {
	m.plain.layers = make([]layer, m.params.Layers)
	m.bindSpecs(specs)
	var total, done int64
	for _, s := range specs {
		total += s.info.Bytes()
	}
	m.size = total
	progress := func(n int64) {
		done += n
		if m.cfg.Progress != nil {
			m.cfg.Progress(done, total)
		}
	}
	atLoad := m.cfg.Repack == RepackAtLoad
	if err := m.placeWeights(ctx, specs, func(s tensorSpec) {
		if !atLoad || !m.repackable(s) {
			progress(s.info.Bytes()) // (the repacked ones count when they are copied)
		}
	}); err != nil {
		return err
	}
	m.current.Store(&m.plain)
	var jobs []repackJob
	var size int64
	var packed *weightSet
	if m.cfg.Repack != RepackOff {
		jobs, size, packed = m.planRepack(specs)
	}
	m.kernels = m.kernelFactsOf(specs, atLoad && len(jobs) > 0)
	if atLoad && len(jobs) > 0 {
		if err := m.repackAtLoad(ctx, jobs, size, progress); err != nil {
			return err
		}
		m.current.Store(packed)
		m.repack.bytes.Store(size)
	}
	if err := m.checkUnchanged(path, before); err != nil {
		return err
	}
	sched, err := newScheduler(m)
	if err != nil {
		return err
	}
	m.sched = sched
	if !atLoad && len(jobs) > 0 {
		m.repackInBackground(jobs, size, packed) // last: nothing can fail after it
	}
	return nil
}

// placeWeights makes the weights' tensors and places each where its data
// lies in the mapped file, calling placed after each. ctx stops it between
// tensors.
func (m *model) placeWeights(ctx context.Context, specs []tensorSpec, placed func(tensorSpec)) error {
	m.weights = ggml.NewContext(len(specs), 0)
	buf, err := m.dev.MapHost(m.file.Bytes())
	if err != nil {
		return err
	}
	m.buf = buf
	byName := map[string]*ggml.Tensor{}
	for _, s := range specs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if t, ok := byName[s.info.Name]; ok { // tied output head
			*s.dst = t
			continue
		}
		t := m.weights.NewTensor(s.info.Type, s.info.Shape...).SetName(s.info.Name)
		if err := buf.Place(t, m.file.DataOffset+s.info.Offset); err != nil {
			return fmt.Errorf("%w: %w", ErrBadModel, err)
		}
		*s.dst = t
		byName[s.info.Name] = t
		placed(s)
	}
	return nil
}

// checkUnchanged reports ErrFileChanged when the file at path is no longer
// the one that was mapped (another program rewrote it meanwhile).
func (m *model) checkUnchanged(path string, before os.FileInfo) error {
	after, err := os.Stat(path)
	if err != nil {
		return err
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || after.Size() != m.file.Size {
		return ErrFileChanged
	}
	return nil
}

// bindSpecs points each spec at the Model field it fills, by its role and
// layer.
func (m *model) bindSpecs(specs []tensorSpec) {
	for i := range specs {
		specs[i].dst = m.plain.slot(specs[i].role, specs[i].layer)
	}
}

// slot returns the field of w that holds the weight of a role in a layer.
// It panics for a role the model has no field for (a programmer error).
func (w *weightSet) slot(r arch.Role, layer int) **ggml.Tensor {
	if !r.PerLayer() {
		return [...]**ggml.Tensor{arch.TokenEmbd: &w.embd, arch.OutputNorm: &w.outNorm, arch.Output: &w.output}[r]
	}
	l := &w.layers[layer]
	return [...]**ggml.Tensor{arch.AttnNorm: &l.attnNorm, arch.AttnQ: &l.wq, arch.AttnK: &l.wk, arch.AttnV: &l.wv,
		arch.AttnOutput: &l.wo, arch.FFNNorm: &l.ffnNorm, arch.FFNGate: &l.gate, arch.FFNUp: &l.up, arch.FFNDown: &l.down}[r]
}
