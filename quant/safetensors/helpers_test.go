package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/require"
)

// testTensor is a tensor to write into a test file.
type testTensor struct {
	name  string
	dtype DType
	shape []int64
	data  []byte
}

// encodeFile builds a well-formed safetensors file holding tensors in order.
func encodeFile(t testing.TB, tensors []testTensor, md map[string]string) []byte {
	t.Helper()
	header := map[string]any{}
	if md != nil {
		header[metadataKey] = md
	}
	var data []byte
	for _, tt := range tensors {
		begin := len(data)
		data = append(data, tt.data...)
		header[tt.name] = map[string]any{"dtype": tt.dtype, "shape": tt.shape, "data_offsets": []int{begin, len(data)}}
	}
	js, err := json.Marshal(header)
	require.NoError(t, err)
	return assemble(js, data)
}

// assemble joins a raw JSON header and a data section into a file.
func assemble(header, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

// writeTemp writes b to a file called name in a fresh temporary folder and
// returns its path.
func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// tinyDir is the Hugging Face layout of the tiny Mistral shipped with the
// repository.
var tinyDir = testref.Testdata("tiny-mistral-v1")
