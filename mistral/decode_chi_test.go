package mistral

import (
	"context"
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chiSquareTwoSample compares two samples of categories of the same size:
// its statistic and degrees of freedom, categories too rare for the test
// (fewer than 10 in both together) merged into one.
func chiSquareTwoSample(a, b map[int32]int) (stat float64, df int) {
	keys := map[int32]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var ids []int32
	for k := range keys {
		ids = append(ids, k)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var restA, restB int
	cells := 0
	for _, k := range ids {
		x, y := a[k], b[k]
		if x+y < 10 {
			restA, restB = restA+x, restB+y
			continue
		}
		stat += float64((x-y)*(x-y)) / float64(x+y)
		cells++
	}
	if restA+restB > 0 {
		stat += float64((restA-restB)*(restA-restB)) / float64(restA+restB)
		cells++
	}
	return stat, cells - 1
}

// chiSquareCritical is the statistic a chi-square variable of df degrees of
// freedom exceeds with probability 1e-4 (Wilson–Hilferty).
func chiSquareCritical(df int) float64 {
	z := math.Sqrt2 * math.Erfcinv(2e-4)
	k := float64(df)
	return k * math.Pow(1-2/(9*k)+z*math.Sqrt(2/(9*k)), 3)
}

// TestDraftsKeepTheDistribution samples the 8th token of continuations
// with drafts and without, under different seeds, and compares the two
// distributions with a chi-square test. The drafts come from a fixed guess
// (the tokens most likely after the prompt, so that the sampler draws them
// often and not always), fed at every step; the control, a rule that keeps
// every draft, must fail the test.
func TestDraftsKeepTheDistribution(t *testing.T) {
	if testing.Short() {
		t.Skip("hundreds of generations; skipped with -short")
	}
	m := loadTiny(t)
	const runs, at = 300, 8
	prompt := "It was"
	s := newSession(t, m)
	var common []int32
	for _, p := range []string{",", "▁the", "▁and"} {
		id, ok := m.Tokenizer().Lookup(p)
		require.True(t, ok, p)
		common = append(common, id)
	}
	guess := func(int32) []int32 { return common }
	testHookDrafts = guess
	defer func() { testHookDrafts = nil }()
	sample := func(seed0 uint64, noDrafts bool) map[int32]int {
		counts := map[int32]int{}
		for i := range uint64(runs) {
			s.Reset()
			cfg := GenerateConfig{MaxTokens: at, IgnoreEOS: true, NoDrafts: noDrafts,
				SamplerConfig: SamplerConfig{Temperature: 1, Seed: seed0 + i}}
			var last int32
			for tok, err := range s.Generate(context.Background(), prompt, cfg) {
				require.NoError(t, err)
				last = tok.ID
			}
			counts[last]++
		}
		return counts
	}
	plain := sample(1, true)
	before := s.DecodeStats()
	drafted := sample(1_000_000, false)
	after := s.DecodeStats()
	stat, df := chiSquareTwoSample(plain, drafted)
	t.Logf("plain against drafted: chi-square %.1f, %d degrees of freedom, critical %.1f; %d of %d drafts kept",
		stat, df, chiSquareCritical(df), after.Kept-before.Kept, after.Drafted-before.Drafted)
	assert.Positive(t, after.Kept-before.Kept, "drafts were taken")
	assert.Less(t, after.Kept-before.Kept, after.Drafted-before.Drafted, "and not all of them")
	assert.Less(t, stat, chiSquareCritical(df), "the same distribution")

	testHookKeepDrafts = true
	defer func() { testHookKeepDrafts = false }()
	wrong := sample(2_000_000, false)
	stat, df = chiSquareTwoSample(plain, wrong)
	t.Logf("control (every draft kept): chi-square %.1f, %d degrees of freedom, critical %.1f", stat, df, chiSquareCritical(df))
	assert.Greater(t, stat, chiSquareCritical(df), "the test tells a wrong rule apart")
}
