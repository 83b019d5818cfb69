package gguf_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/gomistral/gomistral/ggml/gguf"
)

func Example() {
	// Write a file with some metadata and one 2×3 float32 tensor.
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "llama.attention.sliding_window", Value: gguf.Uint32(4096)},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Strings([]string{"<unk>", "<s>", "</s>"})},
	}
	tensors := []gguf.TensorInfo{{Name: "w", Type: gguf.TypeF32, Shape: []int64{3, 2}}}
	var buf bytes.Buffer
	w, err := gguf.NewWriter(&buf, kv, tensors, gguf.WriterOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := w.WriteTensor("w", make([]byte, 6*4)); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// Read it back.
	f, err := gguf.Decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	arch, _ := f.Str("general.architecture")
	window, _ := f.Uint("llama.attention.sliding_window")
	tokens, _ := f.Lookup("tokenizer.ggml.tokens")
	fmt.Println(arch, window, tokens)
	for _, ti := range f.Tensors {
		fmt.Println(ti.Name, ti.Type, ti.Shape, ti.Bytes(), "bytes at", f.DataOffset+ti.Offset)
	}
	if _, err := f.Uint("llama.block_count"); err != nil {
		fmt.Println(err)
	}
	_, err = gguf.Decode(bytes.NewReader(buf.Bytes()[:100]), 100)
	fmt.Println(err)
	// Output:
	// llama 4096 ["<unk>", "<s>", "</s>"]
	// w f32 [3 2] 24 bytes at 256
	// gguf: key "llama.block_count" not found
	// gguf: offset 69: key: length 30 exceeds the 23 bytes left in the file
}
