package gguf

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkDecode decodes the header of the repository's model (22
// key-value pairs, among them a vocabulary of 32000 tokens, and 39 tensor
// infos) from an *os.File.
func BenchmarkDecode(b *testing.B) {
	fd, err := os.Open(repoModel)
	require.NoError(b, err)
	defer fd.Close()
	st, err := fd.Stat()
	require.NoError(b, err)
	f, err := Decode(fd, st.Size())
	require.NoError(b, err)
	b.SetBytes(f.DataOffset) // what Decode reads
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(fd, st.Size()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen maps the repository's model and decodes its header.
func BenchmarkOpen(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m, err := Open(repoModel)
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}

// BenchmarkRewrite writes the repository's model back to memory.
func BenchmarkRewrite(b *testing.B) {
	m, err := Open(repoModel)
	require.NoError(b, err)
	defer m.Close()
	b.SetBytes(m.Size)
	b.ReportAllocs()
	for b.Loop() {
		rewrite(b, m)
	}
}
