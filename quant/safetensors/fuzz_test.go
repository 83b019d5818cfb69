package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"
)

// realHeaders returns the JSON headers and data sizes of the safetensors files
// of the tiny models (the shared consolidated one too, when present).
func realHeaders(f *testing.F) (headers [][]byte, sizes []int64) {
	paths, _ := filepath.Glob(filepath.Join(tinyDir, "*.safetensors"))
	if p, ok := testref.SharedPath("tiny-mistral-v1-consolidated", "consolidated.safetensors"); ok {
		paths = append(paths, p)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n := binary.LittleEndian.Uint64(b)
		headers = append(headers, b[8:8+n])
		sizes = append(sizes, int64(len(b))-8-int64(n))
	}
	if len(headers) == 0 {
		f.Fatal("no real safetensors file to seed the corpus")
	}
	return headers, sizes
}

// checkHeader checks what a successfully parsed header promises.
func checkHeader(t *testing.T, h *Header) {
	ts := append([]TensorInfo(nil), h.Tensors...)
	sort.Slice(ts, func(a, b int) bool {
		return ts[a].Begin < ts[b].Begin || ts[a].Begin == ts[b].Begin && ts[a].End < ts[b].End
	})
	var next int64
	names := map[string]bool{}
	for _, ti := range ts {
		if names[ti.Name] || ti.Name == "" || ti.Name == metadataKey {
			t.Fatalf("bad or duplicate name %q", ti.Name)
		}
		names[ti.Name] = true
		if !ti.DType.Known() || ti.Begin != next || ti.End < ti.Begin {
			t.Fatalf("tensor %q: %s [%d, %d], expected to start at %d", ti.Name, ti.DType, ti.Begin, ti.End, next)
		}
		if ti.NumElements()*int64(ti.DType.Size()) != ti.Size() {
			t.Fatalf("tensor %q: shape %v does not match size %d", ti.Name, ti.Shape, ti.Size())
		}
		next = ti.End
	}
	if next != h.DataSize {
		t.Fatalf("tensors cover %d of %d bytes", next, h.DataSize)
	}
}

func FuzzParseHeader(f *testing.F) {
	headers, sizes := realHeaders(f)
	for i, h := range headers {
		f.Add(h, sizes[i])
	}
	f.Add([]byte(`{}`), int64(0))
	f.Add([]byte(`{"__metadata__":{"a":"b"},"x":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]}}`), int64(0))
	f.Fuzz(func(t *testing.T, b []byte, dataSize int64) {
		h, err := ParseHeader(b, dataSize)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		checkHeader(t, h)
	})
}

func FuzzReadHeader(f *testing.F) {
	headers, _ := realHeaders(f)
	for _, h := range headers {
		// The data of a real file is too large for a seed: the header alone
		// still leads the fuzzer through the parser, up to the layout check.
		f.Add(assemble(h, nil))
	}
	f.Add(assemble([]byte(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`), make([]byte, 4)))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'})
	f.Fuzz(func(t *testing.T, file []byte) {
		h, err := ReadHeader(bytes.NewReader(file), int64(len(file)))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			return
		}
		if h.DataOffset+h.DataSize != int64(len(file)) {
			t.Fatalf("header and data cover %d of %d bytes", h.DataOffset+h.DataSize, len(file))
		}
		checkHeader(t, h)
	})
}
