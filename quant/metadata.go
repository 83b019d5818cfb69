package quant

import (
	"slices"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// ggufTokenizerType is tokenizer.ggml.model for a SentencePiece model.
const ggufTokenizerType = "llama"

// The file types (general.file_type) of the float conversions.
var fileTypes = map[gguf.Type]FileType{
	gguf.TypeF32:  FileTypeF32,
	gguf.TypeF16:  FileTypeF16,
	gguf.TypeBF16: FileTypeBF16,
}

// metadata returns the GGUF metadata of the model: general.*, the llama.*
// hyper-parameters (arch.Params.KV), the tokenizer and the chat template,
// with the keys and value types that llama.cpp's converter writes.
func (s *source) metadata(name string, fileType FileType) []gguf.KV {
	p := s.params
	p.Name = name
	kv := p.KV()
	at := slices.IndexFunc(kv, func(e gguf.KV) bool { return e.Key == arch.KeyName }) + 1
	kv = slices.Insert(kv, max(at, 1), gguf.KV{Key: keyFileType, Value: gguf.Uint32(uint32(fileType))})
	return append(kv, s.tokenizerMetadata()...)
}

// tokenizerMetadata returns the tokenizer.ggml.* keys of the SentencePiece
// model and the chat template.
func (s *source) tokenizerMetadata() []gguf.KV {
	tok := s.tokenizer
	n := tok.Len()
	pieces := make([]string, n)
	scores := make([]float32, n)
	types := make([]int32, n)
	for i := range n {
		id := int32(i)
		pieces[i], scores[i], types[i] = tok.Piece(id), tok.Score(id), int32(tok.Type(id))
	}
	return []gguf.KV{
		{Key: "tokenizer.ggml.model", Value: gguf.String(ggufTokenizerType)},
		{Key: "tokenizer.ggml.tokens", Value: gguf.Strings(pieces)},
		{Key: "tokenizer.ggml.scores", Value: gguf.Float32s(scores)},
		{Key: "tokenizer.ggml.token_type", Value: gguf.Int32s(types)},
		{Key: "tokenizer.ggml.bos_token_id", Value: gguf.Uint32(uint32(tok.BOS()))},
		{Key: "tokenizer.ggml.eos_token_id", Value: gguf.Uint32(uint32(tok.EOS()))},
		{Key: "tokenizer.ggml.unknown_token_id", Value: gguf.Uint32(uint32(tok.Unknown()))},
		{Key: "tokenizer.ggml.add_bos_token", Value: gguf.Bool(tok.AddBOS())},
		{Key: "tokenizer.ggml.add_eos_token", Value: gguf.Bool(tok.AddEOS())},
		{Key: "tokenizer.chat_template", Value: gguf.String(chatTemplate(tok))},
	}
}

// chatTemplate returns the chat template for the tokenizer: ChatTemplateV3
// when [INST] is a control token, else ChatTemplateV1.
func chatTemplate(tok *tokenizer.Tokenizer) string {
	if id, ok := tok.Lookup("[INST]"); ok && tok.Type(id) == tokenizer.Control {
		return ChatTemplateV3
	}
	return ChatTemplateV1
}
