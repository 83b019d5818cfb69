package sample

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// A Sampler's saved state (version 2), as AppendBinary writes it:
//
//	magic    "GMSS"
//	version  1 byte
//	seed     uvarint: the Config.Seed the stream started from (0: random)
//	rngLen   uvarint, then rngLen bytes: the generator (math/rand/v2 PCG);
//	         0 when the stream has not started
//	count    uvarint, then count × int32 little-endian: the window's
//	         tokens, oldest first
//
// Version 1 had no seed; it is refused.
const (
	stateMagic   = "GMSS"
	stateVersion = 2
)

// StateError reports a saved Sampler state that UnmarshalBinary
// cannot read: damaged, truncated, or of another version.
type StateError struct {
	Offset int    // the byte where reading failed
	Reason string // what is wrong there
}

func (e *StateError) Error() string {
	return fmt.Sprintf("sample: state: %s (at byte %d)", e.Reason, e.Offset)
}

// AppendBinary appends the Sampler's state, its random stream (with the
// seed it started from) and the tokens of its penalty window, to b (see
// encoding.BinaryAppender). The configuration is not part of it.
func (s *Sampler) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, stateMagic...)
	b = append(b, stateVersion)
	b = binary.AppendUvarint(b, s.seed)
	var rng []byte
	if s.started {
		var err error
		if rng, err = s.rng.AppendBinary(nil); err != nil {
			return nil, fmt.Errorf("sample: state: %w", err)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(rng)))
	b = append(b, rng...)
	b = binary.AppendUvarint(b, uint64(len(s.hist.buf)))
	h := &s.hist
	for _, id := range h.buf[h.next:] { // oldest first
		b = binary.LittleEndian.AppendUint32(b, uint32(id))
	}
	for _, id := range h.buf[:h.next] {
		b = binary.LittleEndian.AppendUint32(b, uint32(id))
	}
	return b, nil
}

// MarshalBinary returns the Sampler's state: its random stream (with the
// seed it started from) and the tokens of its penalty window, for a saved
// session. A Sampler with the same configuration given this state by
// UnmarshalBinary draws exactly the tokens this one would have drawn, and
// SetConfig with the same Seed continues the stream, as it would here.
func (s *Sampler) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(nil)
}

// UnmarshalBinary restores a state written by MarshalBinary or AppendBinary.
// Input it cannot read is a *StateError, and leaves the Sampler as it
// was. When the state holds more tokens than this Sampler's PenaltyWindow,
// the most recent ones are kept. The configuration stays this Sampler's.
func (s *Sampler) UnmarshalBinary(data []byte) error {
	fail := func(off int, format string, args ...any) error {
		return &StateError{Offset: off, Reason: fmt.Sprintf(format, args...)}
	}
	head := len(stateMagic) + 1
	if len(data) < head {
		return fail(len(data), "truncated header")
	}
	if string(data[:len(stateMagic)]) != stateMagic {
		return fail(0, "not a sampler state")
	}
	if v := data[head-1]; v != stateVersion {
		return fail(head-1, "unsupported version %d", v)
	}

	off := head
	seed, w := binary.Uvarint(data[off:])
	if w <= 0 {
		return fail(off, "bad seed")
	}
	off += w
	n, w := binary.Uvarint(data[off:])
	if w <= 0 {
		return fail(off, "bad generator length")
	}
	off += w
	if n > uint64(len(data)-off) {
		return fail(off, "truncated generator state")
	}
	if n == 0 && seed != 0 {
		return fail(off, "a seed without a stream")
	}
	var rng rand.PCG
	if n > 0 {
		if err := rng.UnmarshalBinary(data[off : off+int(n)]); err != nil {
			return fail(off, "bad generator state: %v", err)
		}
	}
	off += int(n)

	count, w := binary.Uvarint(data[off:])
	if w <= 0 {
		return fail(off, "bad token count")
	}
	off += w
	if rest := uint64(len(data) - off); count > rest/4 {
		return fail(off, "truncated tokens: %d announced, room for %d", count, rest/4)
	} else if count*4 != rest {
		return fail(off+int(count)*4, "%d bytes after the tokens", rest-count*4)
	}
	tokens := data[off:]
	for i := 0; i < len(tokens); i += 4 {
		if binary.LittleEndian.Uint32(tokens[i:]) > math.MaxInt32 {
			return fail(off+i, "negative token id")
		}
	}

	s.rng, s.seed, s.started = rng, seed, n > 0
	if s.hist.size == 0 { // the zero Sampler
		s.hist.resize(DefaultPenaltyWindow)
	}
	s.hist.clear()
	skip := max(int(count)-s.hist.size, 0)
	for i := skip * 4; i < len(tokens); i += 4 {
		s.hist.push(int32(binary.LittleEndian.Uint32(tokens[i:])))
	}
	return nil
}
