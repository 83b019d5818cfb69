package mistral

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// A saved session is, in order (little-endian):
//
//	magic "gomistral-session" and a format version (u32)
//	the model's fingerprint (32 bytes) and the session's shape: slots,
//	  window, block, layers, kv_dim, cache type (u32 each)
//	the next position (u64), the tokens (u64 count, i32 each), the position
//	  held by each slot (i32 each)
//	the sampler state (u64 length, bytes), the chat log (u64 count; per
//	  message: role, content, ids)
//	the logits after the last token (vocab f32)
//	per layer, the K cache then the transposed V cache, raw
//	a CRC-32 (Castagnoli) of everything before it
//
// The fingerprint hashes the model's metadata and tensor list, so a session
// restored into another model is refused; the checksum catches damage.

const (
	sessionMagic   = "gomistral-session"
	sessionVersion = 1
)

// ErrBadSession reports a saved session that cannot be restored: damaged,
// truncated, of another format version, or made with another model or
// session shape.
var ErrBadSession = errors.New("bad saved session")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Save writes the session's state (tokens, KV cache, logits, sampler state
// and chat log) to w, for Restore. It writes about the cache's size.
func (s *Session) Save(w io.Writer) error {
	s.enter()
	defer s.leave()
	if s.be == nil {
		return fmt.Errorf("mistral: save: session %w", ErrClosed)
	}
	s.m.mu.RLock()
	defer s.m.mu.RUnlock()
	if s.m.closed {
		return fmt.Errorf("mistral: save: model %w", ErrClosed)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	crc := crc32.New(crcTable)
	e := &encoder{w: io.MultiWriter(bw, crc)}
	e.bytes([]byte(sessionMagic))
	e.u32(sessionVersion)
	fp := s.m.fingerprint()
	e.bytes(fp[:])
	for _, v := range s.shape() {
		e.u32(uint32(v))
	}
	e.u64(uint64(s.slots.next))
	e.u64(uint64(len(s.tokens)))
	for _, t := range s.tokens {
		e.u32(uint32(t))
	}
	for _, p := range s.slots.pos {
		e.u32(uint32(p))
	}
	state, err := s.sampler.MarshalBinary()
	if err != nil {
		return fmt.Errorf("mistral: save: %w", err)
	}
	e.blob(state)
	e.u64(uint64(len(s.chat)))
	for _, c := range s.chat {
		e.blob([]byte(c.msg.Role))
		e.blob([]byte(c.msg.Content))
		e.u64(uint64(len(c.ids)))
		for _, id := range c.ids {
			e.u32(uint32(id))
		}
	}
	for _, f := range s.logits {
		e.u32(math.Float32bits(f))
	}
	buf := make([]byte, 1<<20)
	for i := range s.k {
		for _, t := range []interface {
			Bytes() int64
			Read([]byte, int64)
		}{s.k[i], s.vt[i]} {
			for off := int64(0); off < t.Bytes() && e.err == nil; off += int64(len(buf)) {
				chunk := buf[:min(int64(len(buf)), t.Bytes()-off)]
				t.Read(chunk, off)
				e.bytes(chunk)
			}
		}
	}
	if e.err != nil {
		return fmt.Errorf("mistral: save: %w", e.err)
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc.Sum32())
	if _, err := bw.Write(sum[:]); err != nil {
		return fmt.Errorf("mistral: save: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mistral: save: %w", err)
	}
	return nil
}

// Restore replaces the session's state with one Save wrote, from a session
// of the same model and configuration (cache type, window, batch size). A
// damaged, truncated or mismatched file is an error wrapping ErrBadSession,
// and leaves the session empty (as after Reset).
func (s *Session) Restore(r io.Reader) error {
	s.enter()
	defer s.leave()
	if s.be == nil {
		return fmt.Errorf("mistral: restore: session %w", ErrClosed)
	}
	s.m.mu.RLock()
	defer s.m.mu.RUnlock()
	if s.m.closed {
		return fmt.Errorf("mistral: restore: model %w", ErrClosed)
	}
	if err := s.restore(r); err != nil {
		// The cache may hold part of the damaged data: zero it, since even
		// masked slots take part in the arithmetic (as zero weights).
		s.cacheBuf.Clear(0)
		s.slots.reset()
		s.tokens, s.chat, s.sampler = s.tokens[:0], s.chat[:0], Sampler{}
		clear(s.logits)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: truncated", ErrBadSession)
		}
		return fmt.Errorf("mistral: restore: %w", err)
	}
	return nil
}

func (s *Session) restore(r io.Reader) error {
	crc := crc32.New(crcTable)
	d := &decoder{r: io.TeeReader(bufio.NewReaderSize(r, 1<<20), crc)}
	if string(d.bytes(len(sessionMagic))) != sessionMagic {
		return d.fail(fmt.Errorf("%w: not a saved session", ErrBadSession))
	}
	if v := d.u32(); v != sessionVersion {
		return d.fail(fmt.Errorf("%w: format version %d, want %d", ErrBadSession, v, sessionVersion))
	}
	fp := s.m.fingerprint()
	if got := d.bytes(len(fp)); d.err == nil && string(got) != string(fp[:]) {
		return fmt.Errorf("%w: saved with another model", ErrBadSession)
	}
	for i, want := range s.shape() {
		if got := d.u32(); d.err == nil && int(got) != want {
			return fmt.Errorf("%w: session shape differs (field %d: saved %d, this session %d)", ErrBadSession, i, got, want)
		}
	}
	next := d.u64()
	nTok := d.u64()
	if d.err == nil && (nTok != next || next > 1<<40) {
		return fmt.Errorf("%w: %d tokens for position %d", ErrBadSession, nTok, next)
	}
	tokens := make([]int32, 0, min(nTok, 1<<20))
	vocab := uint32(s.m.params.Vocab)
	for i := uint64(0); i < nTok && d.err == nil; i++ {
		t := d.u32()
		if t >= vocab {
			return fmt.Errorf("%w: token %d out of range", ErrBadSession, t)
		}
		tokens = append(tokens, int32(t))
	}
	pos := make([]int32, s.slots.n)
	for i := range pos {
		// Each slot is empty (-1) or holds an earlier position of its own
		// residue: slot i holds positions p with p mod n = i.
		p := int64(int32(d.u32()))
		if d.err == nil && p != -1 && (p < 0 || p >= int64(next) || p%int64(s.slots.n) != int64(i)) {
			return fmt.Errorf("%w: slot %d holds position %d (next %d)", ErrBadSession, i, p, next)
		}
		pos[i] = int32(p)
	}
	var sampler Sampler
	if state := d.blob(1 << 20); d.err == nil {
		if err := sampler.UnmarshalBinary(state); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSession, err)
		}
	}
	nChat := d.u64()
	if d.err == nil && nChat > nTok {
		return fmt.Errorf("%w: %d chat messages for %d tokens", ErrBadSession, nChat, nTok)
	}
	var chat []chatTurn
	for i := uint64(0); i < nChat && d.err == nil; i++ {
		role := d.blob(64)
		content := d.blob(1 << 30)
		n := d.u64()
		if d.err == nil && n > nTok {
			return fmt.Errorf("%w: chat message of %d ids", ErrBadSession, n)
		}
		ids := make([]int32, 0, min(n, 1<<20))
		for j := uint64(0); j < n && d.err == nil; j++ {
			t := d.u32()
			if t >= vocab {
				return fmt.Errorf("%w: chat token %d out of range", ErrBadSession, t)
			}
			ids = append(ids, int32(t))
		}
		chat = append(chat, chatTurn{msg: Message{Role: Role(role), Content: string(content)}, ids: ids})
	}
	logits := make([]float32, len(s.logits))
	for i := range logits {
		logits[i] = math.Float32frombits(d.u32())
	}
	if d.err != nil {
		return d.err
	}
	// The cache goes straight into GGML's memory; a bad checksum afterwards
	// leaves the session reset by the caller.
	buf := make([]byte, 1<<20)
	for i := range s.k {
		for _, t := range []interface {
			Bytes() int64
			Write([]byte, int64)
		}{s.k[i], s.vt[i]} {
			for off := int64(0); off < t.Bytes(); off += int64(len(buf)) {
				chunk := buf[:min(int64(len(buf)), t.Bytes()-off)]
				if _, err := io.ReadFull(d.r, chunk); err != nil {
					return err
				}
				t.Write(chunk, off)
			}
		}
	}
	want := crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(d.r, sum[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(sum[:]) != want {
		return fmt.Errorf("%w: checksum mismatch (the file is damaged)", ErrBadSession)
	}
	s.slots.next = int(next)
	copy(s.slots.pos, pos)
	s.tokens = append(s.tokens[:0], tokens...)
	s.chat = chat
	s.sampler = sampler
	copy(s.logits, logits)
	return nil
}

// shape lists what must agree between a saved session and the one
// restoring it.
func (s *Session) shape() []int {
	p := s.m.params
	return []int{s.slots.n, s.slots.win, s.slots.block, p.Layers, p.KVDim(), int(s.cfg.Cache)}
}

// fingerprint identifies the model by its metadata and tensor list.
func (m *Model) fingerprint() [32]byte {
	m.fpOnce.Do(func() {
		h := sha256.New()
		for _, kv := range m.file.KV {
			fmt.Fprintf(h, "%s=%v;", kv.Key, kv.Value)
		}
		for _, t := range m.file.Tensors {
			fmt.Fprintf(h, "%s:%v:%v:%d;", t.Name, t.Type, t.Shape, t.Offset)
		}
		copy(m.fp[:], h.Sum(nil))
	})
	return m.fp
}

// encoder writes little-endian values, keeping the first error.
type encoder struct {
	w   io.Writer
	err error
	b   [8]byte
}

func (e *encoder) bytes(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}
func (e *encoder) u32(v uint32) { binary.LittleEndian.PutUint32(e.b[:4], v); e.bytes(e.b[:4]) }
func (e *encoder) u64(v uint64) { binary.LittleEndian.PutUint64(e.b[:], v); e.bytes(e.b[:]) }
func (e *encoder) blob(p []byte) {
	e.u64(uint64(len(p)))
	e.bytes(p)
}

// decoder reads little-endian values, keeping the first error.
type decoder struct {
	r   io.Reader
	err error
	b   [8]byte
}

func (d *decoder) fail(err error) error {
	if d.err != nil {
		return d.err
	}
	return err
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	p := make([]byte, n)
	_, d.err = io.ReadFull(d.r, p)
	return p
}

func (d *decoder) u32() uint32 {
	if d.err != nil {
		return 0
	}
	if _, d.err = io.ReadFull(d.r, d.b[:4]); d.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint32(d.b[:4])
}

func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	if _, d.err = io.ReadFull(d.r, d.b[:]); d.err != nil {
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
		d.err = fmt.Errorf("%w: a field claims %d bytes", ErrBadSession, n)
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
