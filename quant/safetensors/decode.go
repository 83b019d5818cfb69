package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DecodeFloat32 converts src, little-endian elements of type dt (F32, F16 or
// BF16), to float32 in dst, which must hold exactly len(src)/dt.Size()
// elements. Other types, and a length mismatch, are errors.
func DecodeFloat32(dst []float32, src []byte, dt DType) error {
	size := dt.Size()
	switch dt {
	case F32, F16, BF16:
	default:
		return fmt.Errorf("safetensors: cannot convert %s to float32", dt)
	}
	if len(src)%size != 0 || len(src)/size != len(dst) {
		return fmt.Errorf("safetensors: converting %d bytes of %s to %d float32 values: size mismatch", len(src), dt, len(dst))
	}
	switch dt {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = Float16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = BFloat16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	}
	return nil
}
