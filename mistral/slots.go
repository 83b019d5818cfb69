package mistral

import "math"

// slots is the bookkeeping of the rolling-buffer KV cache: which absolute
// position each of its n slots holds. Position p lives in slot p mod n, so
// the cache never holds more than n positions, however long the text.
//
// Positions are grouped in aligned blocks of b (b divides n): a forward pass
// never crosses a block boundary, so its tokens take consecutive slots. A
// token attends to the leading slots of the cache as its pass leaves them,
// as many as its block decides (viewLen); with n at least the window and a
// block, no slot a pass writes holds a position one of its tokens needs.
// Because the view depends only on the token's position, never on how
// tokens were batched, the arithmetic for a token is identical whether it
// was computed in a long prompt chunk or decoded alone.
type slots struct {
	n     int     // slots per layer
	win   int     // attention window W (<= n)
	block int     // block size b; divides n
	pos   []int32 // position held by each slot; -1 when empty
	next  int     // position of the next token
}

func newSlots(n, window, block int) slots {
	s := slots{n: n, win: window, block: block, pos: make([]int32, n)}
	s.reset()
	return s
}

func (s *slots) reset() {
	for i := range s.pos {
		s.pos[i] = -1
	}
	s.next = 0
}

// slot returns the slot of absolute position p.
func (s *slots) slot(p int) int { return p % s.n }

// blockStart returns the first position of the block holding position p.
func (s *slots) blockStart(p int) int { return p - p%s.block }

// room returns how many tokens from s.next fit in the current block.
func (s *slots) room() int { return s.blockStart(s.next) + s.block - s.next }

// viewLen returns how many leading slots the tokens of the block starting
// at start read: every slot that may hold a position of their windows, the
// block's own included, rounded up to a multiple of granule so that graphs
// repeat (the extra slots are masked out). It depends only on start.
func (s *slots) viewLen(start, granule int) int {
	return min(s.n, (min(start, s.n)+s.block+granule-1)/granule*granule)
}

var negInf = float32(math.Inf(-1))

// fillMask writes the attention mask of the k tokens at positions s.next..
// (all in one block), one row per token and rows padded with copies up to
// rows: viewLen entries for the leading slots of the cache as the pass
// leaves them (its tokens written to theirs). An entry is 0 where the token
// may attend and -Inf elsewhere: the token at position i sees positions j
// with i-W < j <= i, each exactly once.
func (s *slots) fillMask(mask []float32, viewLen, k, rows int) {
	first := s.slot(s.next) // the pass's tokens take slots first..first+k-1
	for t := 0; t < rows; t++ {
		m := mask[t*viewLen : (t+1)*viewLen]
		if t >= k {
			copy(m, mask[(k-1)*viewLen:k*viewLen])
			continue
		}
		i := int32(s.next + t)
		for slot := 0; slot < viewLen; slot++ {
			j := s.pos[slot]
			if d := slot - first; d >= 0 && d < k {
				j = int32(s.next + d)
			}
			if j >= 0 && j <= i && j > i-int32(s.win) {
				m[slot] = 0
			} else {
				m[slot] = negInf
			}
		}
	}
}

// commit records that the k tokens at s.next.. now occupy their slots.
func (s *slots) commit(k int) {
	for t := 0; t < k; t++ {
		p := s.next + t
		s.pos[s.slot(p)] = int32(p)
	}
	s.next += k
}
