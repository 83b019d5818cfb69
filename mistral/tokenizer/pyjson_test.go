package tokenizer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPythonJSON compares pyReformat with what Python's json module makes
// of the same texts (testdata/pyjson.json, written by testdata/pyjson.py).
func TestPythonJSON(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "pyjson.json"))
	require.NoError(t, err)
	var ref struct {
		Cases []struct {
			In    string `json:"in"`
			Out   string `json:"out"`
			Error string `json:"error"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(data, &ref))
	require.Greater(t, len(ref.Cases), 2000)
	for _, c := range ref.Cases {
		got, err := pyReformat(c.In)
		switch c.Error {
		case "":
			if assert.NoError(t, err, "%q", c.In) {
				assert.Equal(t, c.Out, got, "%q", c.In)
			}
		case "JSONDecodeError":
			assert.ErrorIs(t, err, errNotJSON, "%q", c.In)
		default: // ValueError, unencodable
			var pe *pyJSONError
			assert.ErrorAs(t, err, &pe, "%q", c.In)
		}
	}
}

func TestPythonJSONDepth(t *testing.T) {
	deep := strings.Repeat("[", pyMaxDepth) + strings.Repeat("]", pyMaxDepth)
	_, err := pyReformat(deep)
	require.NoError(t, err)
	_, err = pyReformat("[" + deep + "]")
	var pe *pyJSONError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "JSON nested more than 900 levels deep at byte 900", pe.Error())
	// Far deeper than any stack would allow if the reader did not stop.
	_, err = pyReformat(strings.Repeat(`{"a":`, 1<<20))
	require.ErrorAs(t, err, &pe)
}

// FuzzPythonJSON checks pyReformat on any text: no panic; for texts that
// are JSON for Go's encoding/json, the same values (Python's reader accepts
// more: NaN, Infinity); what it writes reads back to itself.
func FuzzPythonJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5e3, "x\u00e9"], "a": null}`, `[NaN, -Infinity, -0, 1E400]`, `"\ud83e\udd99"`, `[1,]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out, err := pyReformat(s)
		var pe *pyJSONError
		if err != nil && !errors.Is(err, errNotJSON) && !errors.As(err, &pe) {
			t.Fatalf("%q: unexpected error %v", s, err)
		}
		if json.Valid([]byte(s)) && pe == nil {
			require.NoError(t, err, "%q is JSON", s)
			var in, back any
			if json.Unmarshal([]byte(s), &in) == nil && json.Unmarshal([]byte(out), &back) == nil {
				require.True(t, reflect.DeepEqual(in, back), "%q -> %q", s, out)
			}
		}
		if err == nil {
			again, err := pyReformat(out)
			require.NoError(t, err)
			require.Equal(t, out, again)
		}
	})
}
