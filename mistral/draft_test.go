package mistral

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		name string
		hist []int32
		k    int
		want []int32
	}{
		{"copy", []int32{1, 2, 3, 4, 5, 9, 9, 2, 3}, 3, []int32{4, 5, 9}},
		{"longest n wins", []int32{7, 2, 3, 8, 1, 2, 3, 4, 0, 1, 2, 3}, 2, []int32{4, 0}},
		{"most recent occurrence", []int32{2, 3, 5, 2, 3, 6, 2, 3}, 1, []int32{6}},
		{"up to the end, then round the loop", []int32{1, 2, 3, 1, 2}, 5, []int32{3, 1, 2, 3, 1}},
		{"loop", []int32{5, 6, 5, 6, 5, 6}, 4, []int32{5, 6, 5, 6}},
		{"a token repeated", []int32{4, 7, 7, 7}, 3, []int32{7, 7, 7}},
		{"nothing repeats", []int32{1, 2, 3, 4, 5}, 4, []int32{}},
		{"one token is not enough", []int32{1, 2, 3, 1}, 4, []int32{}},
		{"no room", []int32{1, 2, 3, 1, 2}, 0, []int32{}},
		{"short", []int32{1}, 3, []int32{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, lookup(make([]int32, 0, 4), c.hist, c.k))
		})
	}
}

func TestDrafter(t *testing.T) {
	d := newDrafter()
	assert.Equal(t, 4, d.want())
	d.taken(4, 4)
	assert.Equal(t, 8, d.want(), "all taken: more")
	d.taken(8, 3)
	assert.Equal(t, 4, d.want(), "some taken: what was taken and one more")
	d.taken(4, 0)
	assert.Equal(t, 2, d.want())
	d.taken(2, 0) // two misses in a row: pause
	for range 8 {
		assert.Equal(t, 0, d.want(), "paused")
	}
	assert.Equal(t, 1, d.want(), "back, with few")
	d.taken(1, 0)
	d.taken(1, 0)
	n := 0
	for d.want() == 0 {
		n++
	}
	assert.Equal(t, 16, n, "the pause doubles when it happens again")
	d.taken(0, 0)
	for range 100 {
		d.taken(16, 16)
	}
	assert.Equal(t, maxDraftTokens, d.want())
}

// TestWorth: guesses are fed where they pay for their rows, at the cost a
// row has on the machine.
func TestWorth(t *testing.T) {
	linear := func(r int) float64 { return float64(r) }                                             // a row costs what a pass does
	flat := func(int) float64 { return 1 }                                                          // rows are free
	grouped := func(r int) float64 { return []float64{0, 1, 1.5, 1.5, 1.5, 1.8, 1.8, 1.8, 1.8}[r] } // rows in fours
	unseen := func(r int) float64 { return map[int]float64{1: 1, 2: 2}[r] }
	for _, c := range []struct {
		name string
		k    int
		p    float64
		time func(int) float64
		want int
	}{
		{"rows as dear as passes, half the guesses right", 4, 0.5, linear, 0},
		{"rows as dear as passes: even right guesses gain nothing", 4, 1, linear, 0},
		{"free rows, few guesses right", 4, 0.1, flat, 4},
		{"rows in groups: the first group", 7, 0.6, grouped, 3},
		{"rows in groups, guesses nearly always right: both", 7, 0.99, grouped, 7},
		{"a size not measured yet is tried", 3, 0.2, unseen, 3},
		{"nothing measured", 2, 0.2, func(int) float64 { return 0 }, 2},
		{"no guess", 0, 0.9, flat, 0},
	} {
		assert.Equal(t, c.want, worth(c.k, c.p, c.time), c.name)
	}
}

// TestDrafterAcceptance: the estimate follows the guesses seen.
func TestDrafterAcceptance(t *testing.T) {
	d := newDrafter()
	for range 20 {
		d.taken(4, 0)
	}
	low := d.accept
	assert.Less(t, low, 0.05, "every guess wrong")
	for range 10 {
		d.observe(true)
	}
	assert.Greater(t, d.accept, 0.75, "then right ones, seen without feeding them")
}
