package quant

// Hugging Face stores the rows of each head of the Q and K projections in
// the rotate-half order of its RoPE: the first halves of the rotated pairs,
// then the second halves (rows i and i+d/2 of a head of d rows form a pair).
// GGML's normal RoPE (mode 0), like mistral-inference, rotates adjacent rows
// 2i and 2i+1. Converting reorders the rows of each head so that pair i lands
// on rows 2i and 2i+1; the columns are untouched, so the permutation works on
// whole rows of any element type.
//
// In array terms, for a matrix of rows×cols and n heads:
// w.reshape(n, 2, rows/n/2, cols).swapaxes(1, 2).reshape(rows, cols).

// ropeSourceRow returns the row of a Hugging Face Q or K matrix of rows rows
// and heads heads that becomes row r of the GGML matrix. rows must be a
// multiple of 2×heads.
func ropeSourceRow(r, rows, heads int) int {
	headRows := rows / heads
	head, i := r/headRows, r%headRows
	pair, half := i/2, i%2
	return head*headRows + half*(headRows/2) + pair
}
