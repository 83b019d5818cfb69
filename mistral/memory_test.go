package mistral

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCacheIsTheWindow: the KV cache holds W positions per layer and one
// block (64 positions here) for the positions a pass writes beyond what the
// next token keeps, keys and values, in F16: (W + 64) × layers × 2 × kv_dim
// × 2 bytes, whatever the length.
func TestCacheIsTheWindow(t *testing.T) {
	m := loadTiny(t)
	p := m.Params()
	s := newSession(t, m)
	slots := p.Window + 64
	want := int64(slots * p.Layers * 2 * p.KVDim() * 2)
	assert.Equal(t, want, s.CacheBytes())
	f32, err := m.NewSession(SessionConfig{Cache: CacheF32})
	require.NoError(t, err)
	defer f32.Close()
	assert.Equal(t, 2*want, f32.CacheBytes())
	q8, err := m.NewSession(SessionConfig{Cache: CacheQ8_0})
	require.NoError(t, err)
	defer q8.Close()
	// Keys in Q8_0 (34 bytes per 32 elements), values in F16.
	assert.Equal(t, float64(slots*p.Layers*p.KVDim())*(34.0/32+2), float64(q8.CacheBytes()))
	_, err = m.NewSession(SessionConfig{Cache: CacheType(9)})
	assert.ErrorContains(t, err, "unknown cache type 9")
}

// BenchmarkTenWindows generates ten windows' worth of tokens in one session
// and reports the KV cache size and the process's anonymous RSS (its own
// memory, not the mapped weights) after the first window and at the end:
// they stay flat, the rolling cache never grows.
//
//	go test ./mistral -run '^$' -bench TenWindows -benchtime 1x
func BenchmarkTenWindows(b *testing.B) {
	m := loadTiny(b)
	w := m.Params().Window
	for b.Loop() {
		s, err := m.NewSession(SessionConfig{})
		require.NoError(b, err)
		ctx := context.Background()
		require.NoError(b, s.Feed(ctx, []int32{1}))
		var start int64
		n := 0
		for _, err := range s.GenerateTokens(ctx, nil, GenerateConfig{MaxTokens: 10 * w, IgnoreEOS: true,
			SamplerConfig: SamplerConfig{Temperature: 1, Seed: 1}}) {
			require.NoError(b, err)
			n++
			if n == w {
				start = settledRSS()
			}
		}
		end := settledRSS()
		require.Equal(b, 10*w, n)
		b.ReportMetric(float64(s.CacheBytes()), "kv_bytes")
		b.ReportMetric(float64(start)/1e6, "rss_anon_start_MB")
		b.ReportMetric(float64(end)/1e6, "rss_anon_end_MB")
		b.ReportMetric(float64(s.Position()), "positions")
		s.Close()
	}
}
