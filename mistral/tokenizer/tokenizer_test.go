package tokenizer

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccessors(t *testing.T) {
	for _, tt := range []struct {
		name string
		tok  *Tokenizer
		len  int
	}{{"v1", v1(t), 32000}, {"v3", v3(t), 32768}} {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.tok
			assert.Equal(t, tt.len, tok.Len())
			assert.Equal(t, []int32{1, 2, 0}, []int32{tok.BOS(), tok.EOS(), tok.Unknown()})
			assert.True(t, tok.AddBOS())
			assert.False(t, tok.AddEOS())
			assert.Equal(t, "<s>", tok.Piece(tok.BOS()))
			assert.Equal(t, Control, tok.Type(tok.BOS()))
			assert.Equal(t, Unknown, tok.Type(tok.Unknown()))
			id, ok := tok.Lookup("<0x0A>")
			require.True(t, ok)
			assert.Equal(t, Byte, tok.Type(id))
			id, ok = tok.Lookup("▁Hello")
			require.True(t, ok)
			assert.Equal(t, Normal, tok.Type(id))
			assert.Less(t, tok.Score(id), float32(0))
			_, ok = tok.Lookup("no such piece")
			assert.False(t, ok)
			assert.Panics(t, func() { tok.Piece(int32(tok.Len())) })
		})
	}
	assert.Equal(t, "user-defined", UserDefined.String())
	assert.Equal(t, "TokenType(9)", TokenType(9).String())
}

func TestEncodeOptions(t *testing.T) {
	enc := func(tok *Tokenizer, s string) []int32 {
		ids, err := tok.Encode(s, EncodeOptions{})
		require.NoError(t, err)
		return ids
	}
	tok1, tok3 := v1(t), v3(t)
	tests := []struct {
		name string
		tok  *Tokenizer
		text string
		opt  EncodeOptions
		want []int32
	}{
		{"bos", tok1, "Hello", EncodeOptions{BOS: true}, []int32{1, 22557}},
		{"eos", tok1, "Hello", EncodeOptions{EOS: true}, []int32{22557, 2}},
		{"bos and eos of empty text", tok1, "", EncodeOptions{BOS: true, EOS: true}, []int32{1, 2}},
		{"control tokens are text by default", tok1, "<s>", EncodeOptions{}, enc(tok1, "<s>")},
		{"parse control", tok1, "<s>[INST] Hi [/INST]</s>", EncodeOptions{ParseControl: true},
			append(append([]int32{1}, enc(tok1, "[INST] Hi [/INST]")...), 2)},
		{"v3 parse control", tok3, "[INST]Hi[/INST]", EncodeOptions{ParseControl: true}, []int32{3, 16127, 4}},
		{"v3 parse control, text between", tok3, "a[INST] b [/INST]c", EncodeOptions{ParseControl: true},
			append(append(append(append(enc(tok3, "a"), 3), enc(tok3, " b ")...), 4), enc(tok3, "c")...)},
		{"v3 adjacent control tokens", tok3, "</s>[INST][/INST]<s>", EncodeOptions{ParseControl: true}, []int32{2, 3, 4, 1}},
		{"v3 longest control token", tok3, "[control_12][control_1", EncodeOptions{ParseControl: true},
			append([]int32{14}, enc(tok3, "[control_1")...)},
		{"user-defined pieces are always whole", tok3, "see [REFERENCE_DOC_1] here", EncodeOptions{}, []int32{1800, 29473, 769, 2004}},
		{"user-defined pieces side by side", tok3, "[REFERENCE_DOC_12][REFERENCE_DOC_1]x", EncodeOptions{}, []int32{29473, 758, 769, 29512}},
		{"byte fallback", tok1, "🦙", EncodeOptions{}, []int32{28705, 243, 162, 169, 156}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := tt.tok.Encode(tt.text, tt.opt)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids)
		})
	}
	hi, ok := tok3.Lookup("▁Hi")
	require.True(t, ok)
	assert.Equal(t, int32(16127), hi)
}

func TestEncodeInvalidUTF8(t *testing.T) {
	for _, tt := range []struct {
		text   string
		offset int
	}{{"\xff", 0}, {"abc\x80", 3}, {"é\xc3", 2}, {"ok \xed\xa0\x80", 3}} {
		_, err := v1(t).Encode(tt.text, EncodeOptions{ParseControl: true})
		var ue *UTF8Error
		require.ErrorAs(t, err, &ue, "%q", tt.text)
		assert.Equal(t, tt.offset, ue.Offset)
		assert.Contains(t, err.Error(), "tokenizer: invalid UTF-8")
	}
}

func TestDecode(t *testing.T) {
	tok := v1(t)
	tests := []struct {
		name string
		ids  []int32
		want string
	}{
		{"dummy prefix removed", []int32{22557, 1526}, "Hello world"},
		{"after BOS", []int32{1, 22557}, "Hello"},
		{"only the first space", []int32{28705, 22557}, " Hello"},
		{"after a control token", []int32{28705, 2, 22557}, " Hello"},
		{"unknown", []int32{0, 22557}, " ⁇  Hello"},
		{"bytes", []int32{28705, 243, 162, 169, 156}, "🦙"},
		{"incomplete bytes", []int32{243, 162}, "\uFFFD\uFFFD"},
		{"incomplete bytes then a piece", []int32{243, 162, 22557}, "\uFFFD\uFFFD Hello"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tok.Decode(tt.ids)
			require.NoError(t, err)
			assert.Equal(t, tt.want, s)
		})
	}
	for _, id := range []int32{-1, 32000, 1 << 30} {
		_, err := tok.Decode([]int32{22557, id})
		var ie *IDError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, id, ie.ID)
		assert.Equal(t, 32000, ie.Len)
	}
}

// TestConcurrent encodes and decodes from several goroutines at once; run
// with -race.
func TestConcurrent(t *testing.T) {
	tok := v1(t)
	cases := vectors(t).V1.Cases
	_, text := warAndPeace(t)
	text = text[:20000]
	want, err := tok.Encode(text, EncodeOptions{})
	require.NoError(t, err)
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			defer func() { done <- err }()
			for i := range 20 {
				c := cases[(g*20+i)%len(cases)]
				var ids []int32
				if ids, err = tok.Encode(c.Text, EncodeOptions{}); err != nil {
					return
				}
				if s, _ := tok.Decode(ids); s != c.Decoded {
					err = fmt.Errorf("decode %q: got %q", c.Text, s)
					return
				}
				if ids, err = tok.Encode(text, EncodeOptions{}); err != nil {
					return
				}
				if !slices.Equal(ids, want) {
					err = fmt.Errorf("War and Peace encoded differently")
					return
				}
			}
		}()
	}
	for range 4 {
		assert.NoError(t, <-done)
	}
}
