package safetensors_test

import (
	"fmt"
	"log"

	"github.com/gomistral/gomistral/quant/safetensors"
)

func Example() {
	set, err := safetensors.OpenDir("../../testdata/tiny-mistral-v1")
	if err != nil {
		log.Fatal(err)
	}
	defer set.Close()

	norm, ok := set.Tensor("model.norm.weight")
	if !ok {
		log.Fatal("no final norm")
	}
	values := make([]float32, norm.NumElements())
	if err := safetensors.DecodeFloat32(values, norm.Data(), norm.DType); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(set.Tensors()), "tensors")
	fmt.Println(norm.Name, norm.DType, norm.Shape, len(norm.Data()), "bytes")
	// Output:
	// 39 tensors
	// model.norm.weight F16 [128] 256 bytes
}

func ExampleFloat32ToFloat16() {
	h := safetensors.Float32ToFloat16(0.1)
	fmt.Printf("%#04x %v\n", h, safetensors.Float16ToFloat32(h))
	// Output: 0x2e66 0.099975586
}
