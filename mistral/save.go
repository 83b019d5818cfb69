package mistral

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/gomistral/gomistral/ggml"
)

// A saved session is a header and a body (little-endian throughout):
//
//	header (33 bytes):
//	  magic "gomistral-session", format version (u32),
//	  the body's length in bytes (u64, its checksum included),
//	  a CRC-32 (Castagnoli) of these three (u32)
//	body:
//	  the model's fingerprint (32 bytes) and the session's shape: slots,
//	    window, block, layers, kv_dim, cache type (u32 each)
//	  the next position n (u64), the n tokens (i32 each), the position held
//	    by each of the first u = min(n, slots) slots (i32 each, -1: empty)
//	  the sampler state (u64 length, bytes), the chat log (u64 count; per
//	    message: role, content (u64 length, bytes each), ids (u64 count,
//	    i32 each))
//	  the logits after the last token (vocab f32)
//	  the cache of the first u slots, per layer: their keys (u rows), then
//	    their values (u elements of each of the kv_dim rows of the
//	    transposed values)
//	  a CRC-32 (Castagnoli) of the body before it (u32)
//
// Only the slots in use are written: a save grows with the position until
// the window is full, and then by the 4 bytes of each new token id. The
// fingerprint hashes the model's metadata and tensor list, so a session
// restored into another model is refused; the checksums catch damage.
// Version 1 wrote the whole cache and had no header checksum.

const (
	sessionMagic   = "gomistral-session"
	sessionVersion = 2
	headerBytes    = len(sessionMagic) + 4 + 8 + 4
)

// ErrBadSession reports a saved session that cannot be restored: damaged,
// truncated, of another format version, or made with another model or
// session shape.
var ErrBadSession = errors.New("bad saved session")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Save writes the session's state (tokens, the KV cache of the positions
// it holds, logits, sampler state and chat log) to w, for Restore. A save
// grows with the position up to the window: about layers × 2 × kv_dim × 2
// bytes per position for an F16 cache (128 KiB for Mistral 7B), plus the
// logits (4 bytes per vocabulary entry), plus 4 bytes per token.
func (s *Session) Save(w io.Writer) error {
	s.enter()
	defer s.leave()
	if err := s.wholeLogits(context.Background()); err != nil && !errors.Is(err, ErrClosed) {
		return fmt.Errorf("mistral: save: %w", err)
	}
	return s.whileOpen("save", func() error { return s.save(w) })
}

// whileOpen runs fn for the method op with the session and its model open
// (an error if either is closed), prefixing fn's error with op. The caller
// has entered the Session.
func (s *Session) whileOpen(op string, fn func() error) error {
	if s.closed {
		return fmt.Errorf("mistral: %s: session %w", op, ErrClosed)
	}
	s.m.mu.RLock()
	defer s.m.mu.RUnlock()
	if s.m.closed {
		return fmt.Errorf("mistral: %s: model %w", op, ErrClosed)
	}
	if err := fn(); err != nil {
		return fmt.Errorf("mistral: %s: %w", op, err)
	}
	return nil
}

func (s *Session) save(w io.Writer) error {
	meta, err := s.appendMeta(nil)
	if err != nil {
		return err
	}
	used := s.usedSlots()
	bodyLen := uint64(len(meta)) + uint64(s.cacheSaveBytes(used)) + 4

	bw := bufio.NewWriterSize(w, int(min(bodyLen+uint64(headerBytes), ioChunk)))
	// A bufio.Writer keeps its first error: every later Write returns it.
	if _, err := bw.Write(appendHeader(nil, sessionVersion, bodyLen)); err != nil {
		return err
	}
	crc := crc32.New(crcTable)
	body := io.MultiWriter(bw, crc)
	_, err = body.Write(meta)
	buf := make([]byte, s.largestCacheRange(used))
	s.forCacheRanges(used, func(t *ggml.Tensor, off, n int64) {
		for done := int64(0); done < n && err == nil; {
			chunk := buf[:min(int64(len(buf)), n-done)]
			t.Read(chunk, off+done)
			_, err = body.Write(chunk)
			done += int64(len(chunk))
		}
	})
	bw.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return bw.Flush()
}

// appendHeader appends the header of a save whose body is bodyLen bytes.
func appendHeader(b []byte, version uint32, bodyLen uint64) []byte {
	start := len(b)
	b = append(b, sessionMagic...)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, bodyLen)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], crcTable))
}

// appendMeta appends the body of a save up to the cache: fingerprint,
// shape, positions, tokens, sampler state, chat log and logits.
func (s *Session) appendMeta(b []byte) ([]byte, error) {
	le := binary.LittleEndian
	fp := s.m.fingerprint()
	b = append(b, fp[:]...)
	for _, f := range s.shape() {
		b = le.AppendUint32(b, uint32(f.value))
	}
	b = le.AppendUint64(b, uint64(s.slots.next))
	for _, t := range s.tokens {
		b = le.AppendUint32(b, uint32(t))
	}
	for _, p := range s.slots.pos[:s.usedSlots()] {
		b = le.AppendUint32(b, uint32(p))
	}
	sampler, err := s.sampler.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b = appendBlob(b, sampler)
	b = le.AppendUint64(b, uint64(len(s.chat)))
	for _, c := range s.chat {
		b = appendBlob(b, []byte(c.msg.Role))
		b = appendBlob(b, []byte(c.msg.Content))
		b = le.AppendUint64(b, uint64(len(c.ids)))
		for _, id := range c.ids {
			b = le.AppendUint32(b, uint32(id))
		}
	}
	for _, f := range s.logits {
		b = le.AppendUint32(b, math.Float32bits(f))
	}
	return b, nil
}

func appendBlob(b, p []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(p)))
	return append(b, p...)
}

// usedSlots returns how many of the first slots may hold a position: the
// positions 0 to next-1 live in slots 0 to min(next, slots)-1, and a
// session that forgot positions (Prefill) holds fewer, never others.
func (s *Session) usedSlots() int { return min(s.slots.next, s.slots.n) }

// forCacheRanges calls fn with each byte range of the KV cache that holds
// the first used slots, in the order of a save: per layer, the keys of
// those slots (one row per slot), then, for each of the kv_dim rows of the
// transposed values, those slots' elements.
func (s *Session) forCacheRanges(used int, fn func(t *ggml.Tensor, off, n int64)) {
	for i := range s.k {
		k := s.k[i] // [kv_dim, slots]
		fn(k, 0, int64(used)*k.Stride(1))
		vt := s.vt[i] // [slots, kv_dim]
		run := int64(used) * vt.Stride(0)
		for d := range vt.Dim(1) {
			fn(vt, d*vt.Stride(1), run)
		}
	}
}

// cacheSaveBytes returns the bytes of the cache a save of used slots holds.
func (s *Session) cacheSaveBytes(used int) int64 {
	var n int64
	s.forCacheRanges(used, func(_ *ggml.Tensor, _, size int64) { n += size })
	return n
}

// ioChunk is the most bytes a save or a restore buffers at once.
const ioChunk = 1 << 20

// largestCacheRange returns the size of the buffer that copies the cache
// of used slots: its largest range, at most ioChunk.
func (s *Session) largestCacheRange(used int) int {
	var n int64
	s.forCacheRanges(used, func(_ *ggml.Tensor, _, size int64) { n = max(n, size) })
	return int(min(n, ioChunk))
}

// shapeField is one number that must agree between a saved session and the
// session restoring it.
type shapeField struct {
	name  string
	value int
	show  func(v uint32) string // how to print a value; nil: as a number
}

// shape lists what must agree between a saved session and the one
// restoring it.
func (s *Session) shape() []shapeField {
	p := s.m.params
	return []shapeField{
		{name: "cache slots (the window and a block, or SessionConfig.Context)", value: s.slots.n},
		{name: "attention window", value: s.slots.win},
		{name: "block size (SessionConfig.BatchSize)", value: s.slots.block},
		{name: "layer count", value: p.Layers},
		{name: "key/value width", value: p.KVDim()},
		{name: "cache type (SessionConfig.Cache)", value: int(s.cfg.Cache),
			show: func(v uint32) string { return CacheType(v).String() }},
	}
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
