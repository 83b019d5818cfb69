package gguf

import "encoding/binary"

// builder assembles GGUF bytes by hand, field by field, so that tests do not
// only check the decoder against this package's own Writer.
type builder struct{ b []byte }

func (g *builder) off() int64             { return int64(len(g.b)) }
func (g *builder) raw(p ...byte) *builder { g.b = append(g.b, p...); return g }
func (g *builder) u8(v uint8) *builder    { return g.raw(v) }
func (g *builder) u16(v uint16) *builder {
	g.b = binary.LittleEndian.AppendUint16(g.b, v)
	return g
}
func (g *builder) u32(v uint32) *builder {
	g.b = binary.LittleEndian.AppendUint32(g.b, v)
	return g
}
func (g *builder) u64(v uint64) *builder {
	g.b = binary.LittleEndian.AppendUint64(g.b, v)
	return g
}
func (g *builder) str(s string) *builder { g.u64(uint64(len(s))); g.b = append(g.b, s...); return g }

// header writes the magic, version 3 and the counts.
func (g *builder) header(nTensors, nKV uint64) *builder {
	return g.raw('G', 'G', 'U', 'F').u32(3).u64(nTensors).u64(nKV)
}

// kvU32 writes a uint32 key-value pair.
func (g *builder) kvU32(key string, v uint32) *builder {
	return g.str(key).u32(uint32(ValueUint32)).u32(v)
}

// tensor writes a tensor info.
func (g *builder) tensor(name string, t Type, offset uint64, shape ...uint64) *builder {
	g.str(name).u32(uint32(len(shape)))
	for _, d := range shape {
		g.u64(d)
	}
	return g.u32(uint32(t)).u64(offset)
}

// pad writes zeros up to a multiple of align.
func (g *builder) pad(align int) *builder {
	for len(g.b)%align != 0 {
		g.b = append(g.b, 0)
	}
	return g
}

// zeros writes n zero bytes.
func (g *builder) zeros(n int) *builder {
	g.b = append(g.b, make([]byte, n)...)
	return g
}

// smallFile returns a valid file by hand: two key-value pairs and two f32
// tensors of 8 and 4 elements. The last tensor ends the file, without
// padding, so that every shorter prefix is truncated.
func smallFile() []byte {
	var g builder
	g.header(2, 2)
	g.str("general.architecture").u32(uint32(ValueString)).str("llama")
	g.str("general.tokens").u32(uint32(ValueArray)).u32(uint32(ValueString)).u64(2).str("a").str("bc")
	g.tensor("a", TypeF32, 0, 4, 2)
	g.tensor("b", TypeF32, 32, 4)
	g.pad(32)
	for i := range 8 {
		g.u32(0x3f800000 + uint32(i)) // 1.0000001 and so on
	}
	for range 4 {
		g.u32(0x40000000)
	}
	return g.b
}
