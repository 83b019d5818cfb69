package mistral

import (
	"context"
	"sync"

	"github.com/gomistral/gomistral/ggml"
)

// repackable reports whether Load stores this weight interleaved (see
// Config.NoRepack): a Q4_0 or IQ4_NL matrix that only products read (not
// the embedding, which is gathered by rows) and that GGML has interleaved
// kernels for on this CPU. Q4_K has them too, but on the CPUs measured here
// (AVX2) its interleaved product is no faster than the plain one.
func (m *Model) repackable(s tensorSpec) bool {
	if m.cfg.NoRepack || s.norm || s.info.Name == "token_embd.weight" {
		return false
	}
	switch s.info.Type {
	case ggml.Q4_0, ggml.IQ4_NL:
		return ggml.CanRepack(s.info.Type, s.info.Shape)
	}
	return false
}

// repackJob is one weight to copy interleaved into the repacking buffer.
type repackJob struct {
	t      *ggml.Tensor
	offset int64  // in the repacking buffer
	file   int64  // of the data in the mapped file
	data   []byte // the weight in the mapped file
}

// repackWeights copies the weights of jobs, interleaved, into one buffer of
// the CPU backend's repacking memory, on as many goroutines as sessions
// compute with, releasing their pages of the file mapping. progress is
// called from this goroutine with the bytes of each weight done. ctx stops
// the work between weights.
func (m *Model) repackWeights(ctx context.Context, jobs []repackJob, size int64, progress func(int64)) error {
	if len(jobs) == 0 {
		return nil
	}
	buf, err := ggml.NewRepackBuffer(size)
	if err != nil {
		return err
	}
	m.repacked = buf
	type result struct {
		bytes int64
		err   error
	}
	ctx, stop := context.WithCancel(ctx) // stops handing out work after an error
	defer stop()
	todo := make(chan repackJob)
	done := make(chan result)
	var wg sync.WaitGroup
	for range min(m.threads(), len(jobs)) {
		wg.Go(func() {
			for j := range todo {
				err := buf.PlaceRepacked(j.t, j.offset, j.data)
				if err == nil {
					// The copy is made: the mapped pages can go now,
					// which keeps the peak memory near the file's size.
					if rerr := m.file.Release(j.file, int64(len(j.data))); rerr != nil {
						m.log.Warn("mistral: could not release the mapped pages of a repacked weight", "err", rerr)
					}
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
