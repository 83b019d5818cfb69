package mistral

import "math"

// slots is the bookkeeping of the rolling-buffer KV cache: which absolute
// position each of its n slots holds. Position p lives in slot p mod n, so
// the cache never holds more than n positions, however long the text.
//
// Positions are grouped in aligned blocks of b (b divides n): a forward pass
// never crosses a block boundary. A token attends to the cache's positions
// before its block (read before the pass writes anything) and to its own
// block's positions (read after the pass writes them). Because this layout
// depends only on the token's position, never on how tokens were batched,
// the arithmetic for a token is identical whether it was computed in a long
// prompt chunk or decoded alone.
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

// viewLen returns how many leading slots the tokens of the block starting at
// start read as "cache": every slot that may hold a position before the
// block, rounded up to a multiple of granule so that graphs repeat (the
// extra slots are masked out). It depends only on start.
func (s *slots) viewLen(start, granule int) int {
	if start == 0 {
		return 0
	}
	return min(s.n, (min(start, s.n)+granule-1)/granule*granule)
}

var negInf = float32(math.Inf(-1))

// fillMask writes the attention mask of the k tokens at positions s.next..
// (all in one block starting at start), one row per token and rows
// padded with copies up to rows: viewLen entries for the cache's leading
// slots as they are before the pass writes anything, then block entries
// for the block's slots after the pass has written its tokens. An entry is
// 0 where the token may attend and -Inf elsewhere: the token at position i
// sees positions j with i-W < j <= i, each exactly once.
func (s *slots) fillMask(mask []float32, viewLen, k, rows int) {
	start := s.blockStart(s.next)
	row := viewLen + s.block
	for t := 0; t < rows; t++ {
		m := mask[t*row : (t+1)*row]
		if t >= k {
			copy(m, mask[(k-1)*row:k*row])
			continue
		}
		i := int32(s.next + t)
		for slot := 0; slot < viewLen; slot++ {
			j := s.pos[slot]
			if j >= 0 && j < int32(start) && j > i-int32(s.win) {
				m[slot] = 0
			} else {
				m[slot] = negInf
			}
		}
		for j := 0; j < s.block; j++ {
			p := int32(start + j)
			if p <= i && p > i-int32(s.win) {
				m[viewLen+j] = 0
			} else {
				m[viewLen+j] = negInf
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
