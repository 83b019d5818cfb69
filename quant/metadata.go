package quant

import (
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// GGUF metadata values fixed for Mistral models.
const (
	ggufArchitecture  = "llama" // what converters write for Mistral 7B
	ggufTokenizerType = "llama" // SentencePiece
)

// The file types (general.file_type) of the float conversions.
var fileTypes = map[gguf.Type]FileType{
	gguf.TypeF32:  FileTypeF32,
	gguf.TypeF16:  FileTypeF16,
	gguf.TypeBF16: FileTypeBF16,
}

// metadata returns the GGUF metadata of the model: general.*, the llama.*
// hyper-parameters, the tokenizer and the chat template, with the keys and
// value types that llama.cpp's converter writes.
func (s *source) metadata(name string, fileType FileType) []gguf.KV {
	p := &s.params
	arch := func(key string) string { return ggufArchitecture + "." + key }
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String(ggufArchitecture)},
		{Key: "general.name", Value: gguf.String(name)},
		{Key: "general.file_type", Value: gguf.Uint32(uint32(fileType))},
		{Key: arch("context_length"), Value: gguf.Uint32(uint32(p.ContextLength))},
		{Key: arch("embedding_length"), Value: gguf.Uint32(uint32(p.EmbeddingLength))},
		{Key: arch("block_count"), Value: gguf.Uint32(uint32(p.BlockCount))},
		{Key: arch("feed_forward_length"), Value: gguf.Uint32(uint32(p.FeedForwardLength))},
		{Key: arch("rope.dimension_count"), Value: gguf.Uint32(uint32(p.HeadDim))},
		{Key: arch("attention.head_count"), Value: gguf.Uint32(uint32(p.HeadCount))},
		{Key: arch("attention.head_count_kv"), Value: gguf.Uint32(uint32(p.HeadCountKV))},
		{Key: arch("attention.layer_norm_rms_epsilon"), Value: gguf.Float32(float32(p.RMSNormEps))},
		{Key: arch("rope.freq_base"), Value: gguf.Float32(float32(p.RopeFreqBase))},
	}
	if p.SlidingWindow > 0 {
		kv = append(kv, gguf.KV{Key: arch("attention.sliding_window"), Value: gguf.Uint32(uint32(p.SlidingWindow))})
	}
	kv = append(kv, gguf.KV{Key: arch("vocab_size"), Value: gguf.Uint32(uint32(p.VocabSize))})
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
