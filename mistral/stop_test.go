package mistral

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStopMatcher(t *testing.T) {
	tests := []struct {
		name    string
		stops   []string
		pieces  []string
		want    string
		stopped bool
	}{
		{"no stops", nil, []string{"a", "b"}, "ab", false},
		{"never appears", []string{"XYZ"}, []string{"hello ", "X", "Y", " world"}, "hello XY world", false},
		{"one piece", []string{"END"}, []string{"abc", "END", "more"}, "abc", true},
		{"spans two", []string{"\nUser:"}, []string{"Hi there.\nUs", "er: next"}, "Hi there.", true},
		{"spans three", []string{"STOP"}, []string{"go S", "T", "OP now"}, "go ", true},
		{"earliest of several", []string{"bb", "a"}, []string{"xbba"}, "x", true},
		{"false start then stop", []string{"abc"}, []string{"ab", "x", "ab", "c"}, "abx", true},
		{"overlapping prefix", []string{"aab"}, []string{"a", "a", "a", "b"}, "a", true},
		{"multibyte", []string{"é!"}, []string{"caf", "é", "!"}, "caf", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := stopMatcher{stops: tt.stops}
			var out strings.Builder
			stopped := false
			for _, p := range tt.pieces {
				e, s := m.add(p)
				out.WriteString(e)
				if s {
					stopped = true
					break
				}
			}
			if !stopped {
				out.WriteString(m.flush())
			}
			assert.Equal(t, tt.want, out.String())
			assert.Equal(t, tt.stopped, stopped)
		})
	}
}

// FuzzStopMatcher: whatever the split, the emitted text is the input up to
// the first stop string, and never contains one.
func FuzzStopMatcher(f *testing.F) {
	f.Add("hello world STOP after", "STOP", uint8(3))
	f.Add("aaaab", "aab", uint8(1))
	f.Fuzz(func(t *testing.T, text, stop string, step uint8) {
		if stop == "" || step == 0 {
			return
		}
		m := stopMatcher{stops: []string{stop}}
		var out strings.Builder
		stopped := false
		for i := 0; i < len(text) && !stopped; i += int(step) {
			e, s := m.add(text[i:min(i+int(step), len(text))])
			out.WriteString(e)
			stopped = s
		}
		if !stopped {
			out.WriteString(m.flush())
		}
		want := text
		if i := strings.Index(text, stop); i >= 0 {
			want = text[:i]
		}
		if out.String() != want {
			t.Fatalf("text %q stop %q step %d: got %q want %q", text, stop, step, out.String(), want)
		}
	})
}
