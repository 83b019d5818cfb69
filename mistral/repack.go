package mistral

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/mistral/arch"
)

// repacker holds the weights Load repacks (see Config.Repack).
type repacker struct {
	ctx   *ggml.Context // tensors of the repacked matrices
	buf   *ggml.Buffer  // their memory
	bytes atomic.Int64  // repacked bytes in use

	// RepackInBackground: cancel stops the goroutine, done is closed when it
	// has ended, err says why it failed (read after done).
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// stop cancels background repacking and waits for it to end.
func (r *repacker) stop() {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
}

// close frees the repacked weights (after stop).
func (r *repacker) close() {
	r.buf.Close()
	r.ctx.Close()
}

// repackable reports whether this weight is stored in the device's own
// layout (when repacking is on): a matrix that only products read (not the
// embedding, which is gathered by rows) of a type and shape the device
// multiplies faster that way.
func (m *model) repackable(s tensorSpec) bool {
	if s.norm || s.role == arch.TokenEmbd {
		return false
	}
	return m.dev.Repacks(s.info.Type, s.info.Shape)
}

// repackJob is one weight to copy interleaved into the repacking buffer.
type repackJob struct {
	plain  *ggml.Tensor // the weight in the mapped file
	packed *ggml.Tensor // its interleaved copy
	offset int64        // of packed in the repacking buffer
	file   int64        // of the data in the mapped file
	data   []byte       // the data in the mapped file
}

// planRepack makes the tensors of the interleaved copies of the repackable
// weights, placing them one after the other, and returns the jobs, the
// bytes they take and the weight set that uses them.
func (m *model) planRepack(specs []tensorSpec) ([]repackJob, int64, *weightSet) {
	var jobs []repackJob
	var size int64
	for _, s := range specs {
		if !m.repackable(s) { // (a tied output head is token_embd: never repackable)
			continue
		}
		jobs = append(jobs, repackJob{plain: *s.dst, offset: size, file: m.file.DataOffset + s.info.Offset,
			data: m.file.TensorData(s.info)})
		size += (s.info.Bytes() + 63) / 64 * 64
	}
	if len(jobs) == 0 {
		return nil, 0, nil
	}
	m.repack.ctx = ggml.NewContext(len(jobs), 0)
	sub := map[*ggml.Tensor]*ggml.Tensor{}
	for i := range jobs {
		j := &jobs[i]
		j.packed = m.repack.ctx.NewTensor(j.plain.Type(), j.plain.Shape()...)
		sub[j.plain] = j.packed
	}
	w := &weightSet{embd: m.plain.embd, outNorm: m.plain.outNorm, output: m.plain.output,
		layers: slices.Clone(m.plain.layers)}
	swap := func(t **ggml.Tensor) {
		if p, ok := sub[*t]; ok {
			*t = p
		}
	}
	swap(&w.output)
	for i := range w.layers {
		l := &w.layers[i]
		for _, t := range []**ggml.Tensor{&l.wq, &l.wk, &l.wv, &l.wo, &l.gate, &l.up, &l.down} {
			swap(t)
		}
	}
	return jobs, size, w
}

// repackAtLoad copies the jobs' weights interleaved on as many goroutines
// as sessions compute with, releasing each weight's mapped pages once it
// is copied (which keeps the peak memory near the file's size). progress is
// called from this goroutine with the bytes of each weight done. ctx stops
// the work between weights.
func (m *model) repackAtLoad(ctx context.Context, jobs []repackJob, size int64, progress func(int64)) error {
	buf, err := m.dev.NewRepackBuffer(size)
	if err != nil {
		return err
	}
	m.repack.buf = buf
	ctx, stop := context.WithCancel(ctx) // stops handing out work after an error
	defer stop()
	type result struct {
		bytes int64
		err   error
	}
	todo := make(chan repackJob)
	done := make(chan result)
	var wg sync.WaitGroup
	for range min(m.threads(), len(jobs)) {
		wg.Go(func() {
			for j := range todo {
				err := buf.PlaceRepacked(j.packed, j.offset, j.data)
				if err == nil {
					m.release(j)
				}
				done <- result{int64(len(j.data)), err}
			}
		})
	}
	go func() {
		defer close(todo)
		for _, j := range jobs {
			select {
			case todo <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()
	var first error
	for r := range done {
		if r.err != nil && first == nil {
			first = r.err
			stop()
		}
		if first == nil {
			progress(r.bytes)
		}
	}
	if first != nil {
		return first
	}
	return ctx.Err()
}

// repackInBackground starts the goroutine that copies the jobs' weights
// interleaved at the lowest priority, then makes graphs use them.
func (m *model) repackInBackground(jobs []repackJob, size int64, packed *weightSet) {
	ctx, cancel := context.WithCancel(context.Background())
	m.repack.cancel, m.repack.done = cancel, make(chan struct{})
	go func() {
		defer close(m.repack.done)
		// The thread stays locked, so it ends with the goroutine instead
		// of going back to the scheduler with its low priority.
		runtime.LockOSThread()
		lowerThreadPriority()
		if testHookBackgroundRepack != nil {
			testHookBackgroundRepack()
		}
		buf, err := m.dev.NewRepackBuffer(size)
		if err != nil {
			m.repack.err = err
			m.log.Warn("mistral: repacking in the background failed; the weights stay as mapped", "err", err)
			return
		}
		m.repack.buf = buf
		for _, j := range jobs {
			if err := ctx.Err(); err != nil {
				m.repack.err = err
				return
			}
			if err := buf.PlaceRepacked(j.packed, j.offset, j.data); err != nil {
				m.repack.err = err
				m.log.Warn("mistral: repacking in the background failed; the weights stay as mapped", "err", err)
				return
			}
		}
		m.current.Store(packed)
		m.repack.bytes.Store(size)
		for _, j := range jobs {
			m.release(j)
		}
		m.log.Debug("mistral: repacked in the background", "repacked_bytes", size)
	}()
}

// testHookBackgroundRepack, when set by a test, runs before background
// repacking starts.
var testHookBackgroundRepack func()

// release drops the mapped pages of a repacked weight from the process's
// memory (graphs built before the swap may still read them: they come back).
func (m *model) release(j repackJob) {
	if err := m.file.Release(j.file, int64(len(j.data))); err != nil {
		m.log.Warn("mistral: could not release the mapped pages of a repacked weight", "err", err)
	}
}
