package mistral

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resign rewrites a save's body length and both checksums to agree with its
// bytes, so that an edited save reaches the fields it edits.
func resign(data []byte) []byte {
	data = slices.Clone(data)
	if len(data) < headerBytes {
		return data
	}
	le := binary.LittleEndian
	le.PutUint64(data[len(sessionMagic)+4:], uint64(len(data)-headerBytes))
	le.PutUint32(data[headerBytes-4:], crc32.Checksum(data[:headerBytes-4], crcTable))
	if body := data[headerBytes:]; len(body) >= 4 {
		le.PutUint32(body[len(body)-4:], crc32.Checksum(body[:len(body)-4], crcTable))
	}
	return data
}

// saveAt returns the save of a session fed the first n tokens of ids.
func saveAt(t testing.TB, m *Model, cfg SessionConfig, ids []int32) []byte {
	t.Helper()
	s, err := m.NewSession(cfg)
	require.NoError(t, err)
	defer s.Close()
	if len(ids) > 0 {
		require.NoError(t, s.Feed(context.Background(), ids))
	}
	var b bytes.Buffer
	require.NoError(t, s.Save(&b))
	return b.Bytes()
}

// TestSaveSizeFollowsPosition saves sessions at positions before and past
// the cache's slots (the window and one block of 64): each position up to
// the number of slots adds its token, its slot's position and its keys and
// values (layers × kv_dim elements of each, 2 bytes in F16, 34 bytes per 32
// keys in Q8_0); past them only the token is added. Each save restores into a session that goes on as the
// original.
func TestSaveSizeFollowsPosition(t *testing.T) {
	m := loadTiny(t)
	p := m.Params()
	require.Equal(t, 128, p.Window)
	slots := p.Window + 64
	ids := testref.LoadReference(t, tinyRef, p.Vocab).Sequences[0].IDs
	for _, tc := range []struct {
		cache     SessionConfig
		slotBytes int // the keys and values of one position, in every layer
	}{
		{SessionConfig{}, p.Layers * (p.KVDim()*2 + p.KVDim()*2)},
		{SessionConfig{Cache: CacheQ8_0}, p.Layers * (p.KVDim()/32*34 + p.KVDim()*2)},
	} {
		t.Run(tc.cache.Cache.String(), func(t *testing.T) {
			size := map[int]int{}
			positions := []int{1, 8, 64, 127, 128, 129, 191, 192, 193, 250, 300}
			for _, n := range positions {
				data := saveAt(t, m, tc.cache, ids[:n])
				size[n] = len(data)
				s, err := m.NewSession(tc.cache)
				require.NoError(t, err)
				require.NoError(t, s.Restore(bytes.NewReader(data)), "position %d", n)
				assert.Equal(t, n, s.Position())
				s.Close()
			}
			for _, n := range positions[1:] {
				if n <= slots {
					assert.Equal(t, (n-1)*(4+4+tc.slotBytes), size[n]-size[1], "position %d", n)
				} else {
					assert.Equal(t, (n-slots)*4, size[n]-size[slots], "position %d", n)
				}
			}
			t.Logf("%v cache: %d bytes at position 1, %d at 8, %d at %d and beyond (+4 per token)",
				tc.cache.Cache, size[1], size[8], size[slots], slots)
		})
	}
}

// TestSaveRestoreContinuesAtEveryFill restores saves made at positions
// inside the window, at its edge and past it (the used slots wrapped) and
// after Prefill forgot positions, and checks the logits of the next tokens
// against the original session's.
func TestSaveRestoreContinuesAtEveryFill(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	ids := testref.LoadReference(t, tinyRef, m.Params().Vocab).Sequences[0].IDs
	for _, tc := range []struct {
		name       string
		feed, keep int // tokens fed, then kept by Prefill (0: no Prefill)
		cfg        SessionConfig
	}{
		{name: "3", feed: 3},
		{name: "window", feed: 128},
		{name: "past window", feed: 250},
		{name: "Prefill back to 90", feed: 120, keep: 90},
		{name: "Prefill past the window", feed: 200, keep: 199},
		{name: "Q8_0 cache", feed: 150, cfg: SessionConfig{Cache: CacheQ8_0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := m.NewSession(tc.cfg)
			require.NoError(t, err)
			defer a.Close()
			require.NoError(t, a.Feed(ctx, ids[:tc.feed]))
			n := tc.feed
			if tc.keep > 0 {
				require.NoError(t, a.Prefill(ctx, ids[:tc.keep]))
				n = tc.keep
			}
			var saved bytes.Buffer
			require.NoError(t, a.Save(&saved))
			b, err := m.NewSession(tc.cfg)
			require.NoError(t, err)
			defer b.Close()
			require.NoError(t, b.Feed(ctx, ids[300:380])) // some other state, to be replaced
			require.NoError(t, b.Restore(&saved))
			assert.Equal(t, a.Logits(), b.Logits())
			for _, id := range ids[n : n+20] {
				require.NoError(t, a.Feed(ctx, []int32{id}))
				require.NoError(t, b.Feed(ctx, []int32{id}))
				require.Equal(t, a.Logits(), b.Logits(), "bit for bit after restore")
			}
		})
	}
}

// TestRestoreReportsDamageAsChecksum flips bits all over a save, header
// included, and cuts it short: a flipped bit is always a checksum mismatch,
// whichever field it fell in, and a cut is truncation; either leaves the
// session empty.
func TestRestoreReportsDamageAsChecksum(t *testing.T) {
	m := loadTiny(t)
	ids := testref.LoadReference(t, tinyRef, m.Params().Vocab).Sequences[0].IDs
	s := newSession(t, m)
	require.NoError(t, s.Feed(context.Background(), ids[:140]))
	var saved bytes.Buffer
	require.NoError(t, s.Save(&saved))
	data := saved.Bytes()

	r := newSession(t, m)
	var bitsAt []int
	for bit := range headerBytes * 8 { // every bit of the header
		bitsAt = append(bitsAt, bit)
	}
	for bit := headerBytes * 8; bit < len(data)*8; bit += 3989 { // and through the body
		bitsAt = append(bitsAt, bit)
	}
	bitsAt = append(bitsAt, len(data)*8-1) // the checksum's last bit
	for i, bit := range bitsAt {
		bad := slices.Clone(data)
		bad[bit/8] ^= 1 << (bit % 8)
		if i%16 == 0 { // a forward pass costs more than a restore
			require.NoError(t, r.Feed(context.Background(), ids[:2]))
		}
		err := r.Restore(bytes.NewReader(bad))
		require.ErrorIs(t, err, ErrBadSession, "bit %d", bit)
		require.ErrorContains(t, err, "checksum mismatch", "bit %d (byte %d)", bit, bit/8)
		require.Equal(t, 0, r.Position(), "bit %d: a failed restore leaves the session empty", bit)
	}
	t.Logf("%d bits flipped in a save of %d bytes", len(bitsAt), len(data))

	for n := 1; n < len(data); n += 1 + n/3 {
		err := r.Restore(bytes.NewReader(data[:n]))
		require.ErrorIs(t, err, ErrBadSession, "cut to %d", n)
		require.ErrorContains(t, err, "truncated", "cut to %d", n)
	}
	assert.ErrorContains(t, r.Restore(bytes.NewReader(nil)), "not a saved session")
	require.NoError(t, r.Restore(bytes.NewReader(data)), "the session restores after all that")
	assert.Equal(t, 140, r.Position())
}

// TestRestoreReportsWhatAnIntactSaveSays restores saves that are intact
// (their checksums agree) but say something this session cannot take: the
// error names it.
func TestRestoreReportsWhatAnIntactSaveSays(t *testing.T) {
	m := loadTiny(t)
	ids := testref.LoadReference(t, tinyRef, m.Params().Vocab).Sequences[0].IDs
	data := saveAt(t, m, SessionConfig{}, ids[:20])
	le := binary.LittleEndian
	shapeAt := headerBytes + 32 // after the fingerprint
	change := func(f func(b []byte)) []byte {
		b := slices.Clone(data)
		f(b)
		return resign(b)
	}
	edit := func(at int, v uint32) []byte {
		return change(func(b []byte) { le.PutUint32(b[at:], v) })
	}
	tokensAt := shapeAt + 6*4 + 8
	tests := []struct {
		name string
		data []byte
		into SessionConfig
		want string
	}{
		{"another fingerprint", change(func(b []byte) { b[headerBytes+5] ^= 1 }), SessionConfig{}, "saved with another model"},
		{"slots", edit(shapeAt, 256), SessionConfig{}, "cache slots (the window and a block, or SessionConfig.Context) is 256, this session's is 192"},
		{"window", edit(shapeAt+4, 64), SessionConfig{}, "attention window is 64, this session's is 128"},
		// A block of 32 makes a cache of 128 + 32 slots: the first field that differs.
		{"block", nil, SessionConfig{BatchSize: 32}, "cache slots (the window and a block, or SessionConfig.Context) is 192, this session's is 160"},
		{"layers", edit(shapeAt+12, 5), SessionConfig{}, "layer count is 5, this session's is 4"},
		{"kv_dim", edit(shapeAt+16, 32), SessionConfig{}, "key/value width is 32, this session's is 64"},
		{"cache type", nil, SessionConfig{Cache: CacheQ8_0}, "cache type (SessionConfig.Cache) is F16, this session's is Q8_0"},
		{"position", change(func(b []byte) { le.PutUint64(b[shapeAt+24:], 1<<41) }), SessionConfig{}, "position 2199023255552"},
		{"token", edit(tokensAt+4*3, 40000), SessionConfig{}, "token 40000 out of range"},
		{"slot position", edit(tokensAt+4*20+4*2, 7), SessionConfig{}, "slot 2 holds position 7 (next 20)"},
		{"body cut short", resign(slices.Delete(slices.Clone(data), len(data)-10, len(data)-4)), SessionConfig{}, "the body ends before its last field"},
		{"version 3", change(func(b []byte) { le.PutUint32(b[len(sessionMagic):], 3) }), SessionConfig{}, "format version 3; this version reads 2"},
		{"version 1", append([]byte(sessionMagic), 1, 0, 0, 0, 0xaa, 0xbb), SessionConfig{}, "format version 1, saved by an older gomistral"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.data
			if b == nil {
				b = data
			}
			s, err := m.NewSession(tt.into)
			require.NoError(t, err)
			defer s.Close()
			err = s.Restore(bytes.NewReader(b))
			require.ErrorIs(t, err, ErrBadSession)
			assert.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), "checksum")
			assertPrefixesOnce(t, err)
		})
	}

	// A file that is not a save is refused from its first bytes, without
	// reading the rest.
	f, err := os.Open(tinyModel)
	require.NoError(t, err)
	defer f.Close()
	err = newSession(t, m).Restore(f)
	assert.ErrorContains(t, err, "not a saved session")
	off, _ := f.Seek(0, io.SeekCurrent)
	assert.Equal(t, int64(headerBytes), off)
}

// TestRestoreReadsExactlyTheSave restores two saves written one after the
// other to one stream.
func TestRestoreReadsExactlyTheSave(t *testing.T) {
	m := loadTiny(t)
	ids := testref.LoadReference(t, tinyRef, m.Params().Vocab).Sequences[0].IDs
	var both bytes.Buffer
	both.Write(saveAt(t, m, SessionConfig{}, ids[:30]))
	both.Write(saveAt(t, m, SessionConfig{}, ids[:170]))
	s := newSession(t, m)
	require.NoError(t, s.Restore(&both))
	assert.Equal(t, 30, s.Position())
	require.NoError(t, s.Restore(&both))
	assert.Equal(t, 170, s.Position())
	assert.Zero(t, both.Len())
}
