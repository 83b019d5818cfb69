package mistral

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/quant"
)

// quantisedTiny writes the repository's tiny model quantised to typ in a
// temporary folder and returns its path.
func quantisedTiny(t *testing.T, typ quant.FileType) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "tiny-"+typ.String()+".gguf")
	_, err := quant.Quantize(context.Background(), tinyModel, dst, quant.QuantizeOptions{Type: typ})
	require.NoError(t, err)
	return dst
}

// TestQuantisedLogitsDoNotDependOnChunking feeds the reference sequences
// in chunks of 1, 7 and 64 tokens, and at once, and requires the same
// logits bit for bit: for Q4_0 weights repacked (the default where the CPU
// has the interleaved kernels, which compute one row exactly as they compute
// many), for Q8_0 weights with SessionConfig.Deterministic, and for Q4_0
// with NoRepack and Deterministic. Without either, GGML may multiply one row
// with another kernel than several, and the test only bounds the difference
// (on this small model it has measured none).
func TestQuantisedLogitsDoNotDependOnChunking(t *testing.T) {
	t.Parallel() // long; uses no test hook
	ids := testref.LoadReference(t, tinyRef, 32000).Sequences[0].IDs
	q4, q8 := quantisedTiny(t, quant.FileTypeQ4_0), quantisedTiny(t, quant.FileTypeQ8_0)
	repacks := ggml.CanRepack(ggml.Q4_0, []int64{256, 256})
	cases := []struct {
		name          string
		path          string
		cfg           Config
		deterministic bool
		exact         bool
	}{
		{"q4_0", q4, Config{Threads: 2}, false, repacks},
		{"q4_0/no-repack/deterministic", q4, Config{Threads: 2, Repack: RepackOff}, true, true},
		{"q8_0/deterministic", q8, Config{Threads: 2}, true, true},
		{"q8_0", q8, Config{Threads: 2}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Load(context.Background(), c.path, c.cfg)
			require.NoError(t, err)
			defer m.Close()
			if c.name == "q4_0" {
				assert.Equal(t, repacks, m.RepackedBytes() > 0, "repacked bytes %d", m.RepackedBytes())
			}
			sc := SessionConfig{Deterministic: c.deterministic}
			whole := allLogitsWith(t, m, ids, 0, sc)
			for _, chunk := range []int{1, 7, 64} {
				got := allLogitsWith(t, m, ids, chunk, sc)
				worst := 0.0
				for pos := range whole {
					worst = max(worst, relErr(got[pos], whole[pos]))
				}
				t.Logf("chunks of %d: worst relative difference %.1e", chunk, worst)
				if c.exact {
					assert.Zero(t, worst, "chunks of %d", chunk)
				} else {
					assert.Less(t, worst, 1e-4, "chunks of %d", chunk)
				}
			}
		})
	}
}

// TestRepackLoad checks what Load reports and how it stops while repacking:
// progress reaches the total, cancelling in the middle is an error and
// leaves nothing behind, and a repacked model generates what the same file
// generates with NoRepack (greedy, the first tokens).
func TestRepackLoad(t *testing.T) {
	if !ggml.CanRepack(ggml.Q4_0, []int64{256, 256}) {
		t.Skip("no repacked layout on this CPU/build")
	}
	path := quantisedTiny(t, quant.FileTypeQ4_0)
	var last, total int64
	m, err := Load(context.Background(), path, Config{Threads: 2, Progress: func(d, tt int64) {
		assert.GreaterOrEqual(t, d, last, "progress goes forward")
		last, total = d, tt
	}})
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, total, last, "progress ends at the total")
	assert.Positive(t, m.RepackedBytes())

	plain, err := Load(context.Background(), path, Config{Threads: 2, Repack: RepackOff})
	require.NoError(t, err)
	defer plain.Close()
	assert.Zero(t, plain.RepackedBytes())
	gen := func(m *Model) []int32 {
		s := newSession(t, m)
		var out []int32
		for tok, err := range s.Generate(context.Background(), "CHAPTER I", GenerateConfig{MaxTokens: 24, IgnoreEOS: true}) {
			require.NoError(t, err)
			out = append(out, tok.ID)
		}
		return out
	}
	assert.Equal(t, gen(plain), gen(m), "greedy tokens, repacked and not")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = Load(ctx, path, Config{Threads: 2, Progress: func(d, tt int64) {
		if d > tt/2 {
			cancel()
		}
	}})
	assert.ErrorIs(t, err, context.Canceled)
}

// TestRepackInBackground: Load returns with the mapped weights, Sessions
// compute with them while the repacking waits, and once it is over every
// Session, including one whose graph was built before, computes exactly
// what a model repacked at load computes. Close during the repacking stops
// it without a hang.
func TestRepackInBackground(t *testing.T) {
	if !ggml.CanRepack(ggml.Q4_0, []int64{256, 256}) {
		t.Skip("no repacked layout on this CPU/build")
	}
	path := quantisedTiny(t, quant.FileTypeQ4_0)
	ids := testref.LoadReference(t, tinyRef, 32000).Sequences[0].IDs[:40]
	logits := func(s *Session) []float32 {
		s.Reset()
		require.NoError(t, s.Feed(context.Background(), ids))
		return append([]float32(nil), s.Logits()...)
	}
	load := func(mode RepackMode) *Model {
		m, err := Load(context.Background(), path, Config{Threads: 2, Repack: mode})
		require.NoError(t, err)
		t.Cleanup(func() { m.Close() })
		return m
	}
	atLoad, off := load(RepackAtLoad), load(RepackOff)
	want, plain := logits(newSession(t, atLoad)), logits(newSession(t, off))

	release := make(chan struct{})
	testHookBackgroundRepack = func() { <-release }
	defer func() { testHookBackgroundRepack = nil }()
	bg := load(RepackInBackground)
	assert.Zero(t, bg.RepackedBytes(), "nothing repacked yet")
	early := newSession(t, bg)
	assert.True(t, slices.Equal(plain, logits(early)), "before the swap: the mapped weights")
	assert.Same(t, &bg.plain, bg.sched.run.last().w, "the graph reads the mapped weights")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	assert.ErrorIs(t, bg.WaitRepack(ctx), context.DeadlineExceeded)
	cancel()
	close(release)
	require.NoError(t, bg.WaitRepack(context.Background()))
	assert.Equal(t, atLoad.RepackedBytes(), bg.RepackedBytes())
	assert.True(t, slices.Equal(want, logits(early)), "a session made before the swap")
	assert.NotSame(t, &bg.plain, bg.sched.run.last().w, "its graph was rebuilt with the repacked weights")
	assert.Same(t, bg.current.Load(), bg.sched.run.last().w)
	assert.True(t, slices.Equal(want, logits(newSession(t, bg))), "a session made after")

	// Close while the repacking is held: it is cancelled, Close returns.
	hold := make(chan struct{})
	testHookBackgroundRepack = func() { <-hold }
	stopped, err := Load(context.Background(), path, Config{Threads: 2, Repack: RepackInBackground})
	require.NoError(t, err)
	go func() { time.Sleep(20 * time.Millisecond); close(hold) }()
	require.NoError(t, stopped.Close())
	err = stopped.WaitRepack(context.Background())
	assert.True(t, err == nil || errors.Is(err, context.Canceled), "WaitRepack after Close: %v", err)
}

func TestRepackModeText(t *testing.T) {
	for _, m := range []RepackMode{RepackAtLoad, RepackInBackground, RepackOff} {
		b, err := m.MarshalText()
		require.NoError(t, err)
		var back RepackMode
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, m, back, "%s", b)
	}
	var r RepackMode
	assert.ErrorContains(t, r.UnmarshalText([]byte("later")), `"later"`)
	_, err := RepackMode(7).MarshalText()
	assert.Error(t, err)
	assert.Equal(t, "RepackMode(7)", RepackMode(7).String())
}
