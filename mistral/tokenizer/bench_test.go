package tokenizer

import (
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
