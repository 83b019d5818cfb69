package tokenizer

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

// testPiece is one vocabulary entry of a model built by a test.
type testPiece struct {
	piece string
	score float32
	typ   TokenType
}

// testModel builds SentencePiece ModelProto files for tests.
type testModel struct {
	pieces []testPiece
	// Fields of TrainerSpec and NormalizerSpec, by number, written as
	// varints (uint64, bool) or strings; absent fields take their defaults.
	trainer    map[protowire.Number]any
	normalizer map[protowire.Number]any
}

// readTestModel reads the pieces and specs of a model file into a testModel
// to be modified.
func readTestModel(path string) (*testModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &testModel{trainer: map[protowire.Number]any{}, normalizer: map[protowire.Number]any{}}
	err = fields("", data, 0, func(fl field) error {
		switch fl.num {
		case modelPieces:
			p := testPiece{typ: Normal}
			fields("", fl.data, 0, func(f field) error {
				switch f.num {
				case pieceText:
					p.piece = string(f.data)
				case pieceScore:
					p.score = math.Float32frombits(uint32(f.v))
				case pieceType:
					p.typ = TokenType(f.v)
				}
				return nil
			})
			m.pieces = append(m.pieces, p)
		case modelTrainerSpec, modelNormalizerSpec:
			dst := m.trainer
			if fl.num == modelNormalizerSpec {
				dst = m.normalizer
			}
			fields("", fl.data, 0, func(f field) error {
				switch f.typ {
				case protowire.VarintType:
					dst[f.num] = f.v
				case protowire.BytesType:
					dst[f.num] = string(f.data)
				}
				return nil
			})
		}
		return nil
	})
	return m, err
}

func (m *testModel) clone() *testModel {
	c := &testModel{
		pieces:     append([]testPiece(nil), m.pieces...),
		trainer:    map[protowire.Number]any{},
		normalizer: map[protowire.Number]any{},
	}
	for k, v := range m.trainer {
		c.trainer[k] = v
	}
	for k, v := range m.normalizer {
		c.normalizer[k] = v
	}
	return c
}

func appendSpec(b []byte, spec map[protowire.Number]any) []byte {
	for num := protowire.Number(1); num < 100; num++ {
		switch v := spec[num].(type) {
		case uint64:
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, v)
		case bool:
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, protowire.EncodeBool(v))
		case string:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendString(b, v)
		}
	}
	return b
}

// bytes returns the serialised ModelProto.
func (m *testModel) bytes() []byte {
	var b []byte
	for _, p := range m.pieces {
		var pb []byte
		pb = protowire.AppendTag(pb, pieceText, protowire.BytesType)
		pb = protowire.AppendString(pb, p.piece)
		pb = protowire.AppendTag(pb, pieceScore, protowire.Fixed32Type)
		pb = protowire.AppendFixed32(pb, math.Float32bits(p.score))
		if p.typ != Normal {
			pb = protowire.AppendTag(pb, pieceType, protowire.VarintType)
			pb = protowire.AppendVarint(pb, uint64(p.typ))
		}
		b = protowire.AppendTag(b, modelPieces, protowire.BytesType)
		b = protowire.AppendBytes(b, pb)
	}
	b = protowire.AppendTag(b, modelTrainerSpec, protowire.BytesType)
	b = protowire.AppendBytes(b, appendSpec(nil, m.trainer))
	b = protowire.AppendTag(b, modelNormalizerSpec, protowire.BytesType)
	b = protowire.AppendBytes(b, appendSpec(nil, m.normalizer))
	return b
}

// write writes the model to a file in dir and returns its path.
func (m *testModel) write(t testing.TB, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name+".model")
	require.NoError(t, os.WriteFile(path, m.bytes(), 0o644))
	return path
}

var v1ModelPath = filepath.Join(testdata, "tokenizer", "mistral-v1.model")

// v1Model returns mistral-v1.model as a testModel.
func v1Model(t testing.TB) *testModel {
	t.Helper()
	m, err := readTestModel(v1ModelPath)
	require.NoError(t, err)
	return m
}

// TestTestModelRoundTrip checks the test helper: mistral-v1.model read and
// written again gives the same tokenizer.
func TestTestModelRoundTrip(t *testing.T) {
	tok, err := FromSentencePiece(v1Model(t).bytes())
	require.NoError(t, err)
	sameVocabulary(t, v1(t), tok, false)
}
