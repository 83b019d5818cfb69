package tokenizer

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of SentencePiece's sentencepiece_model.proto used here.
const (
	modelPieces           = 1 // ModelProto.pieces: repeated SentencePiece
	modelTrainerSpec      = 2 // ModelProto.trainer_spec
	modelNormalizerSpec   = 3 // ModelProto.normalizer_spec
	modelDenormalizerSpec = 5 // ModelProto.denormalizer_spec

	pieceText  = 1 // SentencePiece.piece: string
	pieceScore = 2 // SentencePiece.score: float
	pieceType  = 3 // SentencePiece.type: enum, NORMAL by default

	trainerModelType               = 3  // TrainerSpec.model_type: UNIGRAM by default
	trainerTreatWhitespaceAsSuffix = 24 // TrainerSpec.treat_whitespace_as_suffix
	trainerByteFallback            = 35 // TrainerSpec.byte_fallback
	trainerUnkSurface              = 44 // TrainerSpec.unk_surface
	trainerBOSPiece                = 46 // TrainerSpec.bos_piece
	trainerEOSPiece                = 47 // TrainerSpec.eos_piece

	normalizerCharsmap               = 2 // NormalizerSpec.precompiled_charsmap
	normalizerAddDummyPrefix         = 3 // NormalizerSpec.add_dummy_prefix: true by default
	normalizerRemoveExtraWhitespaces = 4 // NormalizerSpec.remove_extra_whitespaces: true by default
	normalizerEscapeWhitespaces      = 5 // NormalizerSpec.escape_whitespaces: true by default

	modelTypeUnigram = 1
	modelTypeBPE     = 2
)

var modelTypeNames = map[uint64]string{1: "UNIGRAM", 2: "BPE", 3: "WORD", 4: "CHAR"}

const sourceSentencePiece = "tokenizer.model"

// spModel is what FromSentencePiece reads of a ModelProto.
type spModel struct {
	vocab
	modelType        uint64
	suffixWhitespace bool
	charsmap         bool // a non-empty precompiled_charsmap
	denormCharsmap   bool
	bosPiece         string
	eosPiece         string
}

// FromSentencePiece returns the tokenizer of a SentencePiece model: the
// contents of a tokenizer.model file, a serialised ModelProto. The model must
// be BPE with an identity normaliser (no precompiled charsmap), as Mistral's
// are; the normaliser flags add_dummy_prefix, remove_extra_whitespaces and
// escape_whitespaces and the trainer's byte_fallback and unk_surface are
// honoured. BOS and EOS are the control pieces named by the trainer spec
// (<s> and </s> by default). A tokenizer.model does not say whether to add
// BOS or EOS to a prompt: AddBOS reports true and AddEOS false, as Mistral's
// models expect.
//
// Errors are *FormatError, wrapping ErrUnsupported for a well-formed model
// this package cannot run.
func FromSentencePiece(data []byte) (*Tokenizer, error) {
	m := &spModel{
		vocab: vocab{
			source:     sourceSentencePiece,
			norm:       normalizer{addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true},
			unkSurface: defaultUnknownSurface,
			addBOS:     true,
		},
		modelType: modelTypeUnigram,
		bosPiece:  "<s>",
		eosPiece:  "</s>",
	}
	if err := m.parse(data); err != nil {
		return nil, err
	}
	fail := func(unsupported bool, format string, args ...any) (*Tokenizer, error) {
		e := &FormatError{Source: sourceSentencePiece, Reason: fmt.Sprintf(format, args...)}
		if unsupported {
			e.Err = ErrUnsupported
		}
		return nil, e
	}
	switch {
	case m.modelType != modelTypeBPE:
		name, ok := modelTypeNames[m.modelType]
		if !ok {
			name = fmt.Sprint(m.modelType)
		}
		return fail(true, "model type %s (only BPE is implemented)", name)
	case m.charsmap:
		return fail(true, "normalizer with a precompiled charsmap (only the identity normalizer is implemented)")
	case m.denormCharsmap:
		return fail(true, "denormalizer with a precompiled charsmap")
	case m.suffixWhitespace:
		return fail(true, "treat_whitespace_as_suffix")
	}
	t, err := build(&m.vocab)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		what, piece string
		dst         *int32
	}{{"BOS", m.bosPiece, &t.bos}, {"EOS", m.eosPiece, &t.eos}} {
		id, ok := t.ids[s.piece]
		if !ok || t.types[id] != Control {
			return fail(false, "no control piece %q for %s", s.piece, s.what)
		}
		*s.dst = id
	}
	return t, nil
}

func (m *spModel) parse(data []byte) error {
	return fields("ModelProto", data, 0, func(fl field) error {
		var parse func([]byte, int) error
		switch fl.num {
		case modelPieces:
			parse = m.parsePiece
		case modelTrainerSpec:
			parse = m.parseTrainer
		case modelNormalizerSpec:
			parse = m.parseNormalizer
		case modelDenormalizerSpec:
			parse = m.parseDenormalizer
		default:
			return nil
		}
		if err := want("ModelProto", fl, protowire.BytesType); err != nil {
			return err
		}
		return parse(fl.data, fl.doff)
	})
}

func (m *spModel) parsePiece(b []byte, base int) error {
	i := len(m.pieces)
	piece, score, typ := "", float32(0), Normal
	err := fields("SentencePiece", b, base, func(fl field) error {
		switch fl.num {
		case pieceText:
			if err := want("SentencePiece", fl, protowire.BytesType); err != nil {
				return err
			}
			piece = string(fl.data)
		case pieceScore:
			if err := want("SentencePiece", fl, protowire.Fixed32Type); err != nil {
				return err
			}
			score = math.Float32frombits(uint32(fl.v))
		case pieceType:
			if err := want("SentencePiece", fl, protowire.VarintType); err != nil {
				return err
			}
			if fl.v > math.MaxInt32 || !TokenType(fl.v).valid() {
				return &FormatError{Source: sourceSentencePiece, Reason: fmt.Sprintf("piece %d has unknown type %d", i, fl.v)}
			}
			typ = TokenType(fl.v)
		}
		return nil
	})
	m.pieces = append(m.pieces, piece)
	m.scores = append(m.scores, score)
	m.types = append(m.types, typ)
	return err
}

func (m *spModel) parseTrainer(b []byte, base int) error {
	return fields("TrainerSpec", b, base, func(fl field) error {
		var typ protowire.Type
		switch fl.num {
		case trainerModelType, trainerTreatWhitespaceAsSuffix, trainerByteFallback:
			typ = protowire.VarintType
		case trainerUnkSurface, trainerBOSPiece, trainerEOSPiece:
			typ = protowire.BytesType
		default:
			return nil
		}
		if err := want("TrainerSpec", fl, typ); err != nil {
			return err
		}
		switch fl.num {
		case trainerModelType:
			m.modelType = fl.v
		case trainerTreatWhitespaceAsSuffix:
			m.suffixWhitespace = fl.v != 0
		case trainerByteFallback:
			m.byteFallback = fl.v != 0
		case trainerUnkSurface:
			m.unkSurface = string(fl.data)
		case trainerBOSPiece:
			if len(fl.data) > 0 { // SentencePiece ignores an empty name
				m.bosPiece = string(fl.data)
			}
		case trainerEOSPiece:
			if len(fl.data) > 0 {
				m.eosPiece = string(fl.data)
			}
		}
		return nil
	})
}

func (m *spModel) parseNormalizer(b []byte, base int) error {
	return fields("NormalizerSpec", b, base, func(fl field) error {
		var dst *bool
		switch fl.num {
		case normalizerCharsmap:
			if err := want("NormalizerSpec", fl, protowire.BytesType); err != nil {
				return err
			}
			m.charsmap = len(fl.data) > 0
			return nil
		case normalizerAddDummyPrefix:
			dst = &m.norm.addDummyPrefix
		case normalizerRemoveExtraWhitespaces:
			dst = &m.norm.removeExtraWhitespaces
		case normalizerEscapeWhitespaces:
			dst = &m.norm.escapeWhitespaces
		default:
			return nil
		}
		if err := want("NormalizerSpec", fl, protowire.VarintType); err != nil {
			return err
		}
		*dst = fl.v != 0
		return nil
	})
}

func (m *spModel) parseDenormalizer(b []byte, base int) error {
	return fields("NormalizerSpec", b, base, func(fl field) error {
		if fl.num != normalizerCharsmap {
			return nil
		}
		if err := want("NormalizerSpec", fl, protowire.BytesType); err != nil {
			return err
		}
		m.denormCharsmap = len(fl.data) > 0
		return nil
	})
}
