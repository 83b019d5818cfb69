package tokenizer

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// wireError reports a malformed protobuf at a byte offset of the file.
func wireError(msg string, off int, err error) error {
	return &FormatError{Source: sourceSentencePiece, Reason: fmt.Sprintf("%s: malformed protobuf at byte %d", msg, off), Err: err}
}

// field is one field of a protobuf message, read with protowire.
type field struct {
	num  protowire.Number
	typ  protowire.Type
	v    uint64 // the value of a varint or fixed-size field
	data []byte // the value of a length-delimited field
	off  int    // byte offset of the field (its tag) in the file
	doff int    // byte offset of data in the file
}

// fields calls f for each field of the protobuf message b, which starts at
// byte base of the file; msg names the message in errors.
func fields(msg string, b []byte, base int, f func(fl field) error) error {
	for off := 0; off < len(b); {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return wireError(msg, base+off, protowire.ParseError(n))
		}
		fl := field{num: num, typ: typ, off: base + off}
		off += n
		switch typ {
		case protowire.VarintType:
			fl.v, n = protowire.ConsumeVarint(b[off:])
		case protowire.Fixed32Type:
			var v32 uint32
			v32, n = protowire.ConsumeFixed32(b[off:])
			fl.v = uint64(v32)
		case protowire.Fixed64Type:
			fl.v, n = protowire.ConsumeFixed64(b[off:])
		case protowire.BytesType:
			fl.data, n = protowire.ConsumeBytes(b[off:])
			fl.doff = base + off + n - len(fl.data)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b[off:])
		}
		if n < 0 {
			return wireError(msg, base+off, protowire.ParseError(n))
		}
		if err := f(fl); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// want checks the wire type of a known field.
func want(msg string, fl field, typ protowire.Type) error {
	if fl.typ != typ {
		return &FormatError{Source: sourceSentencePiece, Reason: fmt.Sprintf("%s field %d at byte %d has wire type %d, want %d", msg, fl.num, fl.off, fl.typ, typ)}
	}
	return nil
}
