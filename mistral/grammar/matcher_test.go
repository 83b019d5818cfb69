package grammar

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAmbiguousGrammar(t *testing.T) {
	g := MustParse(`
root ::= (x | y)* "!"
x    ::= "a" | "ab"
y    ::= "a" "b"? "b"?
`)
	m := NewMatcher(g, byteVocab("ab", "abb", "b!"))
	for _, s := range []string{"a", "b", "abb", "a", "b!"} {
		require.NoError(t, m.AcceptBytes([]byte(s)), s)
	}
	assert.True(t, m.Done())
	assert.Greater(t, 12, len(m.state.cs))
}

func TestTooManyStates(t *testing.T) {
	// After n x's, 2^n stacks of pending y's and z's.
	g := MustParse(`
root ::= a
a    ::= "x" a "y" | "x" a "z" | ""
`)
	m := NewMatcher(g, byteVocab())
	mask := NewMask(256)
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		m.Allowed(mask) // never hangs
		err = m.Accept('x')
	}
	require.ErrorIs(t, err, ErrTooManyStates)
	assert.Contains(t, err.Error(), "too many parse states")
	// The Matcher is as it was before the token: it can finish.
	for m.Accept('y') == nil {
	}
	assert.True(t, m.Complete())
}

func TestTokensWithoutBytes(t *testing.T) {
	v := listVocab{"", "a", "", "b"} // like <unk>, <s>, </s>
	m := NewMatcher(MustParse(`root ::= "a"*`), v)
	mask := NewMask(len(v))
	m.Allowed(mask)
	assert.Equal(t, []bool{false, true, false, false}, []bool{mask.Has(0), mask.Has(1), mask.Has(2), mask.Has(3)})
	assert.ErrorIs(t, m.Accept(0), ErrRejected)
	assert.ErrorIs(t, m.Accept(3), ErrRejected)
	assert.ErrorIs(t, m.Accept(4), ErrRejected)
	assert.ErrorIs(t, m.Accept(-1), ErrRejected)
	assert.False(t, m.Allows(0))
	assert.False(t, m.Allows(99))
	assert.True(t, m.Complete(), "the empty text is complete")
	assert.False(t, m.Done())
}

func TestRejectLeavesState(t *testing.T) {
	m := NewMatcher(JSON(JSONOptions{}), byteVocab(`{"a"`, `:1}x`))
	require.NoError(t, m.Accept(256))
	err := m.Accept(257)
	require.ErrorIs(t, err, ErrRejected)
	assert.EqualError(t, err, `grammar: rejected: token 257 ":1}x" at byte 4`)
	assert.EqualError(t, m.AcceptBytes([]byte(`:1}}`)), `grammar: rejected: ":1}}" at byte 4`)
	assert.EqualError(t, m.AcceptBytes([]byte(`x`)), `grammar: rejected: "x" at byte 1`)
	require.NoError(t, m.AcceptBytes([]byte(`:1}`)))
	assert.True(t, m.Done())
}

func TestCloneAndReset(t *testing.T) {
	m := NewMatcher(JSON(JSONOptions{}), byteVocab())
	require.NoError(t, m.AcceptBytes([]byte(`[1,`)))
	c := m.Clone()
	require.NoError(t, c.AcceptBytes([]byte(`2]`)))
	assert.True(t, c.Done())
	assert.False(t, m.Complete())
	require.NoError(t, m.AcceptBytes([]byte(`"x"]`)))
	assert.True(t, m.Done())
	m.Reset()
	assert.False(t, m.Complete())
	assert.ErrorIs(t, m.Accept(']'), ErrRejected)
	require.NoError(t, m.AcceptBytes([]byte(`{}`)))
	assert.True(t, m.Done())
}

// TestDeepAndLong reads texts deep and long enough to compact the stacks.
func TestDeepAndLong(t *testing.T) {
	m := NewMatcher(JSON(JSONOptions{}), byteVocab())
	deep := strings.Repeat("[", 3000) + strings.Repeat("]", 3000)
	for i := range len(deep) {
		require.NoError(t, m.Accept(int32(deep[i])), i)
	}
	assert.True(t, m.Done())

	m.Reset()
	require.NoError(t, m.AcceptBytes([]byte(`[`)))
	for range 5000 {
		require.NoError(t, m.AcceptBytes([]byte(`{"a": [1, "b"]}, `)))
	}
	require.NoError(t, m.AcceptBytes([]byte(`2]`)))
	assert.True(t, m.Done())
	assert.Less(t, len(m.a.frames), 2*minCompact)
}

func TestIndexConcurrentUse(t *testing.T) {
	_, toks := mistralTokens(t)
	ix := NewIndex(JSON(JSONOptions{}), toks)
	texts := []string{`{"a": "b`, `[1, 2.5, "x`, `{"k": [true, {"z": 1`, ` "plain`}
	want := make([]Mask, len(texts))
	for i, text := range texts {
		m := NewIndex(JSON(JSONOptions{}), toks).NewMatcher()
		require.NoError(t, m.AcceptBytes([]byte(text)))
		want[i] = NewMask(toks.Len())
		m.Allowed(want[i])
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mask := NewMask(toks.Len())
			for i := range texts {
				k := (i + g) % len(texts)
				m := ix.NewMatcher()
				if err := m.AcceptBytes([]byte(texts[k])); err != nil {
					t.Error(err)
					return
				}
				m.Allowed(mask)
				assert.Equal(t, want[k], mask, texts[k])
			}
		}()
	}
	wg.Wait()
}

func TestMistralTokens(t *testing.T) {
	tok, toks := mistralTokens(t)
	assert.Equal(t, tok.Len(), toks.Len())
	assert.Empty(t, toks.Bytes(tok.BOS()))
	assert.Empty(t, toks.Bytes(tok.EOS()))
	assert.Empty(t, toks.Bytes(tok.Unknown()))
	id, ok := tok.Lookup("<0x41>")
	require.True(t, ok)
	assert.Equal(t, []byte("A"), toks.Bytes(id))
	id, ok = tok.Lookup("▁{")
	require.True(t, ok)
	assert.Equal(t, []byte(" {"), toks.Bytes(id))

	// A document as Mistral's tokenizer cuts it, emoji in byte pieces.
	text := `{"name": "Zoé 日本 🦜", "n": [1, -2.5e3, true, null]}`
	ids, err := tok.Encode(text, tokEncodeOptions)
	require.NoError(t, err)
	m := NewIndex(JSON(JSONOptions{}), toks).NewMatcher()
	mask := NewMask(toks.Len())
	var got []byte
	for _, id := range ids {
		m.Allowed(mask)
		require.True(t, mask.Has(id), "%q after %q", toks.Bytes(id), got)
		require.NoError(t, m.Accept(id))
		got = append(got, toks.Bytes(id)...)
	}
	assert.Equal(t, " "+text, string(got))
	assert.True(t, m.Done())
}

// TestPathologicalGrammars checks that grammars built to be slow are
// quick to reject or to run.
func TestPathologicalGrammars(t *testing.T) {
	_, err := Parse(`root ::= ("a"?){10000}`)
	assert.ErrorContains(t, err, "too ambiguous")
	for _, src := range []string{
		`root ::= "x" ("a"?){10000}`,
		`root ::= "x" (("a"?){100}){100} "b"`,
		`root ::= ("a" | "a" | "a"?)* "b"`,
		`root ::= ((("a"*)*)*)* "b"`,
		"root ::= x\nx ::= (\"(\" x* \")\")*",
		"root ::= x \"!\"\nx ::= \"a\" x \"b\" | \"a\" x \"c\" | \"a\" x | \"\"",
	} {
		start := time.Now()
		g, err := Parse(src)
		if err == nil {
			m := NewMatcher(g, byteVocab("aa", "aaaa", "((", "))", "ab"))
			mask := NewMask(261)
			for i := 0; i < 200; i++ {
				m.Allowed(mask)
				if m.Accept(int32("xa(a)ab"[i%7])) != nil {
					break
				}
			}
		}
		assert.Less(t, time.Since(start), 3*time.Second, src)
	}
}

// TestMaskMatchesBruteForce compares Allowed, which combines precomputed
// masks, with Allows, which reads each token from the whole state, for
// every token of Mistral's vocabulary at points of JSON and schema
// documents.
func TestMaskMatchesBruteForce(t *testing.T) {
	_, toks := mistralTokens(t)
	schema, err := JSONSchema([]byte(testSchemas[0].schema), SchemaOptions{})
	require.NoError(t, err)
	recursive, err := JSONSchema([]byte(testSchemas[9].schema), SchemaOptions{})
	require.NoError(t, err)
	cases := []struct {
		g      *Grammar
		prefix string
	}{
		{schema, ``}, {schema, ` {"name": "Zo`}, {schema, ` {"name": "Zoé", "age": 1`},
		{schema, ` {"name": "Zoé", "age": 12, "tags": [`}, {schema, ` {"name": "abcdefghijk`},
		{recursive, `{"value": 1, "children": [{"value": 2, "children": [`}, {recursive, `{"value": -`},
		{MustParse("root ::= item+\nitem ::= [a-z]+ \" \"?"), `ab c`},
	}
	for _, p := range maskPoints {
		cases = append(cases, struct {
			g      *Grammar
			prefix string
		}{JSON(JSONOptions{}), p.prefix})
	}
	mask := NewMask(toks.Len())
	for _, tc := range cases {
		m := NewIndex(tc.g, toks).NewMatcher()
		if tc.prefix != "" {
			require.NoError(t, m.AcceptBytes([]byte(tc.prefix)))
		}
		m.Allowed(mask)
		for id := range int32(toks.Len()) {
			if mask.Has(id) != m.Allows(id) {
				t.Fatalf("after %q, token %d %q: mask %v, Allows %v", tc.prefix, id, toks.Bytes(id), mask.Has(id), !mask.Has(id))
			}
		}
	}
}

// TestMaskAll: All yields the ids Has reports, in increasing order, and
// stops when asked.
func TestMaskAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 63, 64, 65, 200, 32000} {
		m := NewMask(n)
		var want []int32
		for id := range int32(n) {
			if rng.IntN(7) == 0 || id == int32(n-1) {
				m.Set(id)
				want = append(want, id)
			}
		}
		var got []int32
		for id := range m.All() {
			got = append(got, id)
		}
		require.Equal(t, want, got, "vocabulary %d", n)
		got = got[:0]
		for id := range m.All() {
			if got = append(got, id); len(got) == 2 {
				break
			}
		}
		require.Equal(t, want[:min(2, len(want))], got, "vocabulary %d, stopped after two", n)
	}
}
