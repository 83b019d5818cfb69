package quant_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/quant"
)

func ExampleConvert() {
	dir, err := os.MkdirTemp("", "quant-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	dst := filepath.Join(dir, "tiny-mistral-f16.gguf")
	res, err := quant.Convert(context.Background(), "../testdata/tiny-mistral-v1", dst, quant.ConvertOptions{
		Type: gguf.TypeF16,
		Name: "tiny-mistral",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s layout, %d layers, %d tensors, %d bytes in\n", res.Layout, res.Params.Layers, res.Tensors, res.InputBytes)

	m, err := gguf.Open(dst)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	q, _ := m.Tensor("blk.0.attn_q.weight")
	window, _ := m.Lookup("llama.attention.sliding_window")
	fmt.Println(q.Name, q.Type, q.Shape, "window", window)
	// Output:
	// Hugging Face layout, 4 layers, 39 tensors, 17959168 bytes in
	// blk.0.attn_q.weight f16 [128 128] window 128
}

func ExampleQuantize() {
	dir, err := os.MkdirTemp("", "quant-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	typ, err := quant.ParseFileType("q8_0")
	if err != nil {
		log.Fatal(err)
	}
	// From a Hugging Face folder (or a GGUF file), converted and quantised
	// in one pass.
	dst := filepath.Join(dir, "tiny-mistral.Q8_0.gguf")
	res, err := quant.Quantize(context.Background(), "../testdata/tiny-mistral-v1", dst, quant.QuantizeOptions{Type: typ})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d tensors, %.2f bits per weight\n", res.Type, len(res.Tensors), res.BitsPerWeight())
	for _, t := range res.Tensors[:5] {
		fmt.Println(t.Name, t.From, "->", t.Type)
	}
	// Output:
	// Q8_0: 39 tensors, 8.50 bits per weight
	// token_embd.weight f16 -> q8_0
	// output_norm.weight f16 -> f32
	// output.weight f16 -> q8_0
	// blk.0.attn_norm.weight f16 -> f32
	// blk.0.attn_q.weight f16 -> q8_0
}
