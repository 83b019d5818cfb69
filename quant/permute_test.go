package quant

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numpyPermutation spells out w.reshape(n, 2, rows/n/2, cols).swapaxes(1, 2)
// .reshape(rows, cols) on row indices: the row at position (h, i, j) of the
// swapped array is the one at (h, j, i) of the reshaped one.
func numpyPermutation(rows, n int) []int {
	half := rows / n / 2
	reshaped := make([][][]int, n) // (n, 2, half)
	next := 0
	for h := range n {
		reshaped[h] = make([][]int, 2)
		for j := range 2 {
			reshaped[h][j] = make([]int, half)
			for i := range half {
				reshaped[h][j][i] = next
				next++
			}
		}
	}
	var out []int // flatten (n, half, 2)
	for h := range n {
		for i := range half {
			for j := range 2 {
				out = append(out, reshaped[h][j][i])
			}
		}
	}
	return out
}

func TestRopeSourceRow(t *testing.T) {
	for _, tt := range []struct{ rows, heads int }{
		{2, 1}, {8, 1}, {8, 2}, {8, 4}, {128, 4}, {64, 2}, {256, 8}, {4096, 32}, {1024, 8},
	} {
		want := numpyPermutation(tt.rows, tt.heads)
		seen := make([]bool, tt.rows)
		for r := range tt.rows {
			got := ropeSourceRow(r, tt.rows, tt.heads)
			require.Equal(t, want[r], got, "rows %d heads %d row %d", tt.rows, tt.heads, r)
			seen[got] = true
		}
		assert.NotContains(t, seen, false, "a permutation")
	}
	// One head of 8 rows: halves [0 1 2 3] [4 5 6 7] interleave.
	var got []int
	for r := range 8 {
		got = append(got, ropeSourceRow(r, 8, 1))
	}
	assert.Equal(t, []int{0, 4, 1, 5, 2, 6, 3, 7}, got)
}
