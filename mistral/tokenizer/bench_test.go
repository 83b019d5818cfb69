package tokenizer

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkEncode measures encoding throughput, one goroutine, on the first
// 200,000 characters of War and Peace encoded as one text.
func BenchmarkEncode(b *testing.B) {
	_, text := warAndPeace(b)
	tok := v1(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.Encode(text, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeLines encodes the same text line by line, as SentencePiece's
// spm_encode does: many short texts.
func BenchmarkEncodeLines(b *testing.B) {
	_, text := warAndPeace(b)
	lines := strings.Split(text, "\n")
	tok := v1(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		for _, line := range lines {
			if _, err := tok.Encode(line, EncodeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	ids, text := warAndPeace(b)
	tok := v1(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.Decode(ids); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecoder(b *testing.B) {
	ids, text := warAndPeace(b)
	tok := v1(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		d := tok.NewDecoder(DecoderOptions{StartOfText: true})
		for _, id := range ids {
			if _, err := d.Add(id); err != nil {
				b.Fatal(err)
			}
		}
		d.Flush()
	}
}

func BenchmarkLoadSentencePiece(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadSentencePiece(v1ModelPath); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSentencePieceEncode runs SentencePiece's own encoder, spm_encode
// (Debian package sentencepiece), over the text of BenchmarkEncodeLines with
// the same model, so that `go test -bench 'Encode'` prints both throughputs
// in one run. spm_encode reads one text per line; each iteration is one
// process, whose start-up and model load are a few milliseconds of the
// total. Skipped when spm_encode is not installed.
func BenchmarkSentencePieceEncode(b *testing.B) {
	spm, err := exec.LookPath("spm_encode")
	if err != nil {
		b.Skip("spm_encode is not installed (apt-get install sentencepiece)")
	}
	_, text := warAndPeace(b)
	model := filepath.Join(testdata, "tokenizer", "mistral-v1.model")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		cmd := exec.Command(spm, "--model="+model, "--output_format=id")
		cmd.Stdin = strings.NewReader(text)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		if out.Len() == 0 {
			b.Fatal("spm_encode wrote nothing")
		}
	}
}
