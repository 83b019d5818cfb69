package grammar

// Stacks of return nodes are linked lists of frames in an arena, shared
// between configurations: pushing appends a frame, popping follows the
// parent link. Two sentinels stand below every stack.
const (
	stackEmpty   int32 = -1 // the bottom of a real parse: the start rule
	stackUnknown int32 = -2 // an unknown context, for masks computed per node
)

type frame struct {
	ret    int32  // the node to continue at when the called rule finishes
	parent int32  // the frame below, or a sentinel
	hash   uint64 // of the whole stack, for comparing stacks quickly
}

// An arena holds frames. Simulations that only test a token truncate it
// back to where they started.
type arena struct {
	frames []frame
}

func (a *arena) hash(s int32) uint64 {
	if s < 0 {
		return uint64(-s) * 0x9E3779B97F4A7C15
	}
	return a.frames[s].hash
}

func (a *arena) push(parent, ret int32) int32 {
	h := (a.hash(parent)^uint64(ret)+0x632BE59BD9B4E019)*0xBF58476D1CE4E5B9 + 1
	a.frames = append(a.frames, frame{ret: ret, parent: parent, hash: h ^ h>>31})
	return int32(len(a.frames) - 1)
}

// equal reports whether stacks s and t hold the same return nodes.
func (a *arena) equal(s, t int32) bool {
	for s != t {
		if s < 0 || t < 0 {
			return false
		}
		fs, ft := &a.frames[s], &a.frames[t]
		if fs.hash != ft.hash || fs.ret != ft.ret {
			return false
		}
		s, t = fs.parent, ft.parent
	}
	return true
}

// A config is a node with a byte edge and the stack beneath it.
type config struct {
	node, stack int32
}

// A configSet is a parse state: the configurations the text read so far can
// be in, without duplicates, and what was reached on the way.
type configSet struct {
	cs     []config
	hashes []uint64         // (len(cs)) the hash of each configuration
	index  map[uint64]int32 // hash → a configuration with it, once cs is long
	// complete: the start rule finished with an empty stack.
	complete bool
	// escaped: a rule finished with the unknown stack beneath it.
	escaped bool
	// overflow: more than the allowed number of configurations.
	overflow bool
}

// indexFrom is the number of configurations from which a set indexes them
// by hash rather than scanning.
const indexFrom = 16

func (s *configSet) reset() {
	s.cs = s.cs[:0]
	s.hashes = s.hashes[:0]
	if s.index != nil {
		clear(s.index)
	}
	s.complete, s.escaped, s.overflow = false, false, false
}

func configHash(a *arena, c config) uint64 {
	h := a.hash(c.stack) ^ uint64(c.node)*0xD6E8FEB86659FD93
	return h ^ h>>29
}

// find returns the index of c in s, or -1.
func (s *configSet) find(a *arena, c config, h uint64) int {
	if len(s.cs) < indexFrom {
		for i, d := range s.cs {
			if s.hashes[i] == h && d.node == c.node && a.equal(d.stack, c.stack) {
				return i
			}
		}
		return -1
	}
	i, ok := s.index[h]
	if !ok {
		return -1
	}
	if d := s.cs[i]; d.node == c.node && a.equal(d.stack, c.stack) {
		return int(i)
	}
	for i, d := range s.cs { // a hash collision: rare
		if s.hashes[i] == h && d.node == c.node && a.equal(d.stack, c.stack) {
			return i
		}
	}
	return -1
}

// add adds c unless s has it, and reports whether it did. Past limit
// configurations, it sets overflow instead.
func (s *configSet) add(a *arena, c config, limit int) bool {
	h := configHash(a, c)
	if s.find(a, c, h) >= 0 {
		return false
	}
	if len(s.cs) >= limit {
		s.overflow = true
		return false
	}
	s.cs = append(s.cs, c)
	s.hashes = append(s.hashes, h)
	switch {
	case len(s.cs) == indexFrom:
		if s.index == nil {
			s.index = make(map[uint64]int32, 2*indexFrom)
		}
		for i, h := range s.hashes {
			if _, dup := s.index[h]; !dup {
				s.index[h] = int32(i)
			}
		}
	case len(s.cs) > indexFrom:
		if _, dup := s.index[h]; !dup {
			s.index[h] = int32(len(s.cs) - 1)
		}
	}
	return true
}

// copyFrom makes s a copy of t.
func (s *configSet) copyFrom(t *configSet) {
	s.reset()
	s.cs = append(s.cs, t.cs...)
	s.hashes = append(s.hashes, t.hashes...)
	if len(s.cs) >= indexFrom {
		if s.index == nil {
			s.index = make(map[uint64]int32, len(s.cs))
		}
		for i, h := range s.hashes {
			if _, dup := s.index[h]; !dup {
				s.index[h] = int32(i)
			}
		}
	}
	s.complete, s.escaped, s.overflow = t.complete, t.escaped, t.overflow
}
