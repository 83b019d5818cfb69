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
		{"up to the end", []int32{1, 2, 3, 1, 2}, 5, []int32{3, 1, 2}},
		{"loop", []int32{5, 6, 5, 6, 5, 6}, 4, []int32{5, 6}},
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
