package tokenizer

// trie finds the longest piece of a set that starts a text: the user-defined
// pieces that SentencePiece matches whole, and the control tokens that
// EncodeOptions.ParseControl recognises.
type trie struct {
	first [256]bool        // bytes that start a piece
	edges map[uint64]int32 // node<<8 | byte → child node; the root is node 0
	ids   []int32          // node → id of the piece ending there, or -1
	lens  []int32          // node → depth in bytes
}

// newTrie returns a trie of the pieces of the given ids, or nil if there are
// none.
func newTrie(pieces []string, ids []int32) *trie {
	if len(ids) == 0 {
		return nil
	}
	tr := &trie{edges: make(map[uint64]int32), ids: []int32{-1}, lens: []int32{0}}
	for _, id := range ids {
		p := pieces[id]
		tr.first[p[0]] = true
		node := int32(0)
		for i := 0; i < len(p); i++ {
			key := uint64(node)<<8 | uint64(p[i])
			child, ok := tr.edges[key]
			if !ok {
				child = int32(len(tr.ids))
				tr.edges[key] = child
				tr.ids = append(tr.ids, -1)
				tr.lens = append(tr.lens, int32(i+1))
			}
			node = child
		}
		tr.ids[node] = id
	}
	return tr
}

// match returns the id and length in bytes of the longest piece that starts
// s, or ok false if none does. A nil trie matches nothing.
func match[T string | []byte](tr *trie, s T) (id int32, n int, ok bool) {
	if tr == nil || len(s) == 0 || !tr.first[s[0]] {
		return 0, 0, false
	}
	node := int32(0)
	for i := 0; i < len(s); i++ {
		child, found := tr.edges[uint64(node)<<8|uint64(s[i])]
		if !found {
			break
		}
		node = child
		if tr.ids[node] >= 0 {
			id, n, ok = tr.ids[node], int(tr.lens[node]), true
		}
	}
	return id, n, ok
}
