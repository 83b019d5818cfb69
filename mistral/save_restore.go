package mistral

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"

	"github.com/gomistral/gomistral/ggml"
)

// Restore replaces the session's state with one Save wrote, from a session
// of the same model and configuration (cache type, window, batch size),
// reading exactly the save's bytes from r.
//
// It checks the checksums before anything else: a save damaged anywhere is
// reported as a checksum mismatch and a cut one as truncated, whatever
// field the damage fell in, and only an intact save is read for what it
// says (made with another model or session shape, of another format
// version). Input that does not begin like a save is refused at once. Every
// such error wraps ErrBadSession; any error leaves the session empty (as
// after Reset).
func (s *Session) Restore(r io.Reader) error {
	s.enter()
	defer s.leave()
	return s.whileOpen("restore", func() error {
		err := s.restore(r)
		if err != nil {
			s.truncate(0)
			s.chat = s.chat[:0]
			s.sampler = Sampler{}
		}
		return err
	})
}

func (s *Session) restore(r io.Reader) error {
	bodyLen, err := readHeader(r)
	if err != nil {
		return err
	}
	saved, err := s.readBody(r, bodyLen)
	if err != nil {
		return err
	}
	s.slots.reset()
	s.slots.next = saved.next
	copy(s.slots.pos, saved.pos)
	s.tokens = append(s.tokens[:0], saved.tokens...)
	s.chat = saved.chat
	s.sampler = saved.sampler
	copy(s.logits, saved.logits)
	s.stale = false
	return nil
}

// savedSession is what the body of a save holds, but the cache.
type savedSession struct {
	next    int     // the next position
	tokens  []int32 // (next) the tokens
	pos     []int32 // (min(next, slots)) the position each slot holds
	sampler Sampler // its state, with no configuration
	chat    []chatTurn
	logits  []float32 // (vocab)
}

// readHeader reads a save's header and returns the length of its body.
// Input whose first bytes are more than two bits away from the magic is
// not a save; nearer, it is a damaged one, which the header's checksum
// reports.
func readHeader(r io.Reader) (bodyLen uint64, err error) {
	h := make([]byte, headerBytes)
	n, err := io.ReadFull(r, h)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, err
	}
	magic := h[:min(n, len(sessionMagic))]
	if n == 0 || bitsApart(magic, []byte(sessionMagic[:len(magic)])) > 2 {
		return 0, fmt.Errorf("%w: not a saved session", ErrBadSession)
	}
	le := binary.LittleEndian
	version := len(sessionMagic)
	if n >= version+4 && string(magic) == sessionMagic && le.Uint32(h[version:]) == 1 {
		// Version 1 had no header checksum to check first.
		return 0, fmt.Errorf("%w: format version 1, saved by an older gomistral; this one reads version %d (restore it with the version that saved it)",
			ErrBadSession, sessionVersion)
	}
	if n < headerBytes {
		return 0, fmt.Errorf("%w: truncated: %d bytes, the header alone has %d", ErrBadSession, n, headerBytes)
	}
	if crc32.Checksum(h[:headerBytes-4], crcTable) != le.Uint32(h[headerBytes-4:]) {
		return 0, fmt.Errorf("%w: checksum mismatch in the header: the file is damaged", ErrBadSession)
	}
	if v := le.Uint32(h[version:]); v != sessionVersion {
		return 0, fmt.Errorf("%w: format version %d; this version reads %d", ErrBadSession, v, sessionVersion)
	}
	bodyLen = le.Uint64(h[version+4:])
	if bodyLen < 4 || bodyLen > math.MaxInt64 {
		return 0, fmt.Errorf("%w: a body of %d bytes", ErrBadSession, bodyLen)
	}
	return bodyLen, nil
}

// readBody reads the body of a save, the cache straight into the session's
// memory, and checks its checksum before it reports anything the body
// says.
func (s *Session) readBody(r io.Reader, bodyLen uint64) (_ *savedSession, err error) {
	crc := crc32.New(crcTable)
	content := &io.LimitedReader{R: r, N: int64(bodyLen - 4)}
	d := &decoder{r: bufio.NewReaderSize(io.TeeReader(content, crc), int(min(bodyLen, ioChunk)))}
	saved := s.readMeta(d)
	if d.err == nil {
		defer func() {
			if err != nil {
				// The cache holds part of the data: zero it, since even
				// masked slots take part in the arithmetic (as zero
				// weights).
				s.cacheBuf.Clear(0)
			}
		}()
		s.readCache(d, len(saved.pos))
	}
	if d.err != nil && !errors.Is(d.err, ErrBadSession) && !errors.Is(d.err, io.ErrUnexpectedEOF) {
		return nil, d.err // reading failed
	}
	// Whatever the body said, read the rest of it: its checksum decides
	// whether what it said is worth reporting.
	if _, err := io.Copy(io.Discard, d.r); err != nil {
		return nil, err
	}
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); content.N > 0 || err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("%w: truncated: the body has %d of its %d bytes",
			ErrBadSession, bodyLen-4-uint64(content.N), bodyLen)
	} else if err != nil {
		return nil, err
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
		return nil, fmt.Errorf("%w: checksum mismatch: the file is damaged", ErrBadSession)
	}
	if d.err != nil {
		if !errors.Is(d.err, ErrBadSession) {
			return nil, fmt.Errorf("%w: the body ends before its last field", ErrBadSession)
		}
		return nil, d.err
	}
	return saved, nil
}

// readMeta reads the body of a save up to the cache. The first problem
// stays in d.err; what follows it is not read.
func (s *Session) readMeta(d *decoder) *savedSession {
	fp := s.m.fingerprint()
	if got := d.bytes(len(fp)); d.err == nil && !bytes.Equal(got, fp[:]) {
		d.fail("saved with another model")
	}
	for _, f := range s.shape() {
		if got := d.u32(); d.err == nil && int(got) != f.value {
			show := func(v uint32) string { return fmt.Sprint(v) }
			if f.show != nil {
				show = f.show
			}
			d.fail("the saved session's %s is %s, this session's is %s", f.name, show(got), show(uint32(f.value)))
		}
	}
	saved := &savedSession{}
	next := d.u64()
	if d.err == nil && next > 1<<40 {
		d.fail("position %d", next)
	}
	saved.next = int(next)
	saved.tokens = s.readIDs(d, next, "token")
	saved.pos = s.readSlots(d, saved.next)
	if state := d.blob(1 << 20); d.err == nil {
		if err := saved.sampler.UnmarshalBinary(state); err != nil {
			d.err = fmt.Errorf("%w: %w", ErrBadSession, err)
		}
	}
	saved.chat = s.readChat(d, next)
	saved.logits = make([]float32, len(s.logits))
	for i := range saved.logits {
		saved.logits[i] = math.Float32frombits(d.u32())
	}
	return saved
}

// readIDs reads n token ids, each in the vocabulary.
func (s *Session) readIDs(d *decoder, n uint64, what string) []int32 {
	ids := make([]int32, 0, min(n, 1<<20)) // grows with the data, not the claim
	vocab := uint32(s.m.params.Vocab)
	for range n {
		t := d.u32()
		if d.err != nil {
			return nil
		}
		if t >= vocab {
			d.fail("%s %d out of range", what, t)
			return nil
		}
		ids = append(ids, int32(t))
	}
	return ids
}

// readSlots reads the positions of the first min(next, slots) slots: each
// is empty (-1) or holds an earlier position of its own residue, slot i
// holding positions p with p mod slots = i.
func (s *Session) readSlots(d *decoder, next int) []int32 {
	if d.err != nil {
		return nil
	}
	pos := make([]int32, min(next, s.slots.n))
	for i := range pos {
		p := int64(int32(d.u32()))
		if d.err == nil && p != -1 && (p < 0 || p >= int64(next) || p%int64(s.slots.n) != int64(i)) {
			d.fail("slot %d holds position %d (next %d)", i, p, next)
		}
		pos[i] = int32(p)
	}
	return pos
}

// readChat reads the chat log of a session of nTok tokens.
func (s *Session) readChat(d *decoder, nTok uint64) []chatTurn {
	n := d.u64()
	if d.err == nil && n > nTok {
		d.fail("%d chat messages for %d tokens", n, nTok)
	}
	var chat []chatTurn
	for range n {
		if d.err != nil {
			return nil
		}
		role := d.blob(64)
		content := d.blob(1 << 30)
		count := d.u64()
		if d.err == nil && count > nTok {
			d.fail("chat message of %d ids", count)
		}
		ids := s.readIDs(d, count, "chat token")
		chat = append(chat, chatTurn{msg: Message{Role: Role(role), Content: string(content)}, ids: ids})
	}
	return chat
}

// readCache reads the cache of the first used slots into the session's
// memory, and zeroes the rest.
func (s *Session) readCache(d *decoder, used int) {
	s.cacheBuf.Clear(0)
	buf := make([]byte, s.largestCacheRange(used))
	s.forCacheRanges(used, func(t *ggml.Tensor, off, n int64) {
		for done := int64(0); done < n && d.err == nil; {
			chunk := buf[:min(int64(len(buf)), n-done)]
			if _, err := io.ReadFull(d.r, chunk); err != nil {
				d.err = io.ErrUnexpectedEOF
				return
			}
			t.Write(chunk, off+done)
			done += int64(len(chunk))
		}
	})
}

// decoder reads little-endian values, keeping the first error: a read
// error, io.ErrUnexpectedEOF, or a problem with what was read (wrapping
// ErrBadSession). After an error, reads return zero values.
type decoder struct {
	r   io.Reader
	err error
	b   [8]byte
}

// fail records a problem with what was read, unless one came first.
func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrBadSession, fmt.Sprintf(format, args...))
	}
}

// read fills p, or records why it cannot.
func (d *decoder) read(p []byte) bool {
	if d.err != nil {
		return false
	}
	if _, err := io.ReadFull(d.r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		d.err = err
		return false
	}
	return true
}

func (d *decoder) bytes(n int) []byte {
	p := make([]byte, n)
	d.read(p)
	return p
}

func (d *decoder) u32() uint32 {
	if !d.read(d.b[:4]) {
		return 0
	}
	return binary.LittleEndian.Uint32(d.b[:4])
}

func (d *decoder) u64() uint64 {
	if !d.read(d.b[:]) {
		return 0
	}
	return binary.LittleEndian.Uint64(d.b[:])
}

// blob reads a length-prefixed byte string of at most limit bytes.
func (d *decoder) blob(limit uint64) []byte {
	n := d.u64()
	if d.err != nil {
		return nil
	}
	if n > limit {
		d.fail("a field claims %d bytes", n)
		return nil
	}
	if n == 0 {
		return nil
	}
	// Grow with the data actually read, never by the length claimed.
	var b bytes.Buffer
	if _, err := io.CopyN(&b, d.r, int64(n)); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		d.err = err
		return nil
	}
	return b.Bytes()
}

// bitsApart counts the bits in which a and b, of equal length, differ.
func bitsApart(a, b []byte) int {
	n := 0
	for i := range a {
		n += bits.OnesCount8(a[i] ^ b[i])
	}
	return n
}
