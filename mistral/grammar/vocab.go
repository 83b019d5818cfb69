package grammar

import (
	"bytes"
	"slices"
	"strings"

	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// A Vocab is a vocabulary of tokens, numbered 0 to Len()-1, each standing
// for the bytes it adds to the text. Tokens that add no bytes (control
// tokens such as BOS and EOS) are never allowed by a grammar: the caller
// handles them, allowing EOS when Matcher.Complete reports true.
type Vocab interface {
	Len() int
	Bytes(id int32) []byte
}

// Tokens is a vocabulary prepared for matching: the bytes of every token,
// and a trie of them, so that masks are computed by walking the trie once
// rather than testing every token. Make it once per vocabulary with
// NewTokens or FromTokenizer and share it between grammars. Tokens is
// immutable and safe for concurrent use by multiple goroutines.
type Tokens struct {
	data []byte  // the bytes of all tokens
	off  []int32 // (tokens+1) token i is data[off[i]:off[i+1]]

	// The trie of the tokens' bytes, in preorder: node 0 is the empty
	// string, and the tokens of a node's subtree are contiguous in ids.
	trie   []trieNode
	kids   []trieKid // children of each node, by byte
	ids    []int32   // token ids, in order of their bytes
	maxLen int       // the longest token, in bytes
}

type trieNode struct {
	kids, nkids int32 // its children are kids[kids:kids+nkids]
	ids, idsEnd int32 // the tokens ending here are ids[ids:idsEnd]
	subEnd      int32 // the tokens of its subtree are ids[ids:subEnd]
}

type trieKid struct {
	b    byte
	node int32
}

// NewTokens prepares the vocabulary v.
func NewTokens(v Vocab) *Tokens {
	n := v.Len()
	t := &Tokens{off: make([]int32, n+1)}
	for id := range n {
		t.data = append(t.data, v.Bytes(int32(id))...)
		t.off[id+1] = int32(len(t.data))
	}
	for id := range int32(n) {
		if l := len(t.Bytes(id)); l > 0 {
			t.ids = append(t.ids, id)
			t.maxLen = max(t.maxLen, l)
		}
	}
	slices.SortStableFunc(t.ids, func(a, b int32) int { return bytes.Compare(t.Bytes(a), t.Bytes(b)) })

	// Build the trie along the sorted tokens: nodes come in preorder.
	var kids [][]trieKid // children of each node, while building
	newNode := func(ids int32) int32 {
		t.trie = append(t.trie, trieNode{ids: ids, idsEnd: ids})
		kids = append(kids, nil)
		return int32(len(t.trie) - 1)
	}
	newNode(0)
	path := []int32{0} // path[d] is the node of the first d bytes of prev
	var prev []byte
	for i, id := range t.ids {
		b := t.Bytes(id)
		common := 0
		for common < len(b) && common < len(prev) && b[common] == prev[common] {
			common++
		}
		for _, nd := range path[common+1:] {
			t.trie[nd].subEnd = int32(i)
		}
		path = path[:common+1]
		for d := common; d < len(b); d++ {
			nd := newNode(int32(i))
			parent := path[len(path)-1]
			kids[parent] = append(kids[parent], trieKid{b[d], nd})
			path = append(path, nd)
		}
		t.trie[path[len(path)-1]].idsEnd = int32(i + 1)
		prev = b
	}
	for _, nd := range path {
		t.trie[nd].subEnd = int32(len(t.ids))
	}
	for i, ks := range kids {
		t.trie[i].kids = int32(len(t.kids))
		t.trie[i].nkids = int32(len(ks))
		t.kids = append(t.kids, ks...)
	}
	return t
}

// Len returns the number of tokens.
func (t *Tokens) Len() int { return len(t.off) - 1 }

// Bytes returns the bytes of token id, which the caller must not modify.
func (t *Tokens) Bytes(id int32) []byte { return t.data[t.off[id]:t.off[id+1]:t.off[id+1]] }

// FromTokenizer prepares the vocabulary of a SentencePiece tokenizer: a
// normal or user-defined piece adds its text with each ▁ read as a space;
// a byte piece <0xNN> adds the byte 0xNN; control, unknown and unused
// pieces add nothing, so grammars never allow them.
//
// The first token of a generation that follows a prompt usually starts
// with ▁, a space: the grammars of JSON and JSONSchema allow white space
// before the value for that reason.
func FromTokenizer(tok *tokenizer.Tokenizer) *Tokens {
	return NewTokens(tokenizerVocab{tok})
}

type tokenizerVocab struct{ t *tokenizer.Tokenizer }

func (v tokenizerVocab) Len() int { return v.t.Len() }

func (v tokenizerVocab) Bytes(id int32) []byte {
	p := v.t.Piece(id)
	switch v.t.Type(id) {
	case tokenizer.Normal, tokenizer.UserDefined:
		return []byte(strings.ReplaceAll(p, "▁", " "))
	case tokenizer.Byte:
		var b byte
		for _, c := range p[3 : len(p)-1] { // <0xNN>
			d, _ := hexValue(c)
			b = b<<4 | byte(d)
		}
		return []byte{b}
	}
	return nil
}

// prefixNodes returns the trie nodes of the prefixes of b that are in the
// trie, shortest first (the empty prefix, node 0, excluded).
func (t *Tokens) prefixNodes(b []byte) []int32 {
	var path []int32
	nd := int32(0)
	for _, x := range b {
		n := &t.trie[nd]
		kids := t.kids[n.kids : n.kids+n.nkids]
		i, found := slices.BinarySearchFunc(kids, x, func(k trieKid, x byte) int { return int(k.b) - int(x) })
		if !found {
			break
		}
		nd = kids[i].node
		path = append(path, nd)
	}
	return path
}

// Longest returns the token whose bytes are the longest prefix of b, and
// its length; n is 0 when no token is a prefix of b. Of tokens with the
// same bytes, the one with the highest id wins (in SentencePiece
// vocabularies, the normal piece rather than the byte token).
func (t *Tokens) Longest(b []byte) (id int32, n int) {
	path := t.prefixNodes(b)
	for d := len(path) - 1; d >= 0; d-- {
		if nd := &t.trie[path[d]]; nd.idsEnd > nd.ids {
			return t.ids[nd.idsEnd-1], d + 1
		}
	}
	return -1, 0
}
