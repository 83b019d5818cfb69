package mistral

import "strings"

// stopMatcher holds back generated text that might be the start of a stop
// string, so that a stop string is never emitted even when it spans tokens.
type stopMatcher struct {
	stops   []string
	pending strings.Builder
}

// add appends text and returns what can be emitted now, and whether a stop
// string was found (everything from it on is dropped).
func (m *stopMatcher) add(text string) (emit string, stopped bool) {
	if len(m.stops) == 0 {
		return text, false
	}
	m.pending.WriteString(text)
	buf := m.pending.String()
	cut := -1
	for _, s := range m.stops {
		if s == "" {
			continue
		}
		if i := strings.Index(buf, s); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut >= 0 {
		m.pending.Reset()
		return buf[:cut], true
	}
	// Keep the longest suffix that is a prefix of a stop string.
	keep := 0
	for _, s := range m.stops {
		for n := min(len(s)-1, len(buf)); n > keep; n-- {
			if strings.HasPrefix(s, buf[len(buf)-n:]) {
				keep = n
				break
			}
		}
	}
	m.pending.Reset()
	m.pending.WriteString(buf[len(buf)-keep:])
	return buf[:len(buf)-keep], false
}

// flush returns the text held back.
func (m *stopMatcher) flush() string {
	s := m.pending.String()
	m.pending.Reset()
	return s
}
