package tokenizer_test

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

func ExampleTokenizer_Encode() {
	tok, err := tokenizer.LoadSentencePiece("../../testdata/tokenizer/mistral-v1.model")
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tok.Encode("Hello world 🦙", tokenizer.EncodeOptions{BOS: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids)
	pieces := make([]string, len(ids))
	for i, id := range ids {
		pieces[i] = tok.Piece(id)
	}
	fmt.Println(strings.Join(pieces, " "))
	text, err := tok.Decode(ids)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)
	// Output:
	// [1 22557 1526 28705 243 162 169 156]
	// <s> ▁Hello ▁world ▁ <0xF0> <0x9F> <0xA6> <0x99>
	// Hello world 🦙
}

func ExampleTokenizer_Encode_parseControl() {
	tok, err := tokenizer.LoadSentencePiece("../../testdata/tokenizer/mistral-v3.model")
	if err != nil {
		log.Fatal(err)
	}
	for _, parse := range []bool{false, true} {
		ids, err := tok.Encode("[INST]Hi[/INST]", tokenizer.EncodeOptions{ParseControl: parse})
		if err != nil {
			log.Fatal(err)
		}
		var pieces []string
		for _, id := range ids {
			pieces = append(pieces, fmt.Sprintf("%s(%s)", tok.Piece(id), tok.Type(id)))
		}
		fmt.Println(strings.Join(pieces, " "))
	}
	// Output:
	// ▁[(normal) INST(normal) ](normal) Hi(normal) [(normal) /(normal) INST(normal) ](normal)
	// [INST](control) ▁Hi(normal) [/INST](control)
}

func ExampleDecoder() {
	tok, err := tokenizer.LoadSentencePiece("../../testdata/tokenizer/mistral-v1.model")
	if err != nil {
		log.Fatal(err)
	}
	prompt, err := tok.Encode("The capital of France is", tokenizer.EncodeOptions{BOS: true})
	if err != nil {
		log.Fatal(err)
	}
	generated, err := tok.Encode(" Paris 🦙", tokenizer.EncodeOptions{})
	if err != nil {
		log.Fatal(err)
	}
	generated = generated[1:] // "▁" then "▁Paris": drop the dummy prefix
	// The generation continues the prompt: the space of "▁Paris" stays.
	d := tok.NewDecoder(tokenizer.DecoderOptions{})
	fmt.Print(len(prompt), " prompt tokens;")
	for _, id := range generated {
		s, err := d.Add(id)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf(" %s=%q", tok.Piece(id), s)
	}
	fmt.Printf(" flush=%q\n", d.Flush())
	// Output:
	// 6 prompt tokens; ▁Paris=" Paris" ▁=" " <0xF0>="" <0x9F>="" <0xA6>="" <0x99>="🦙" flush=""
}

func ExampleTokenizer_EncodeChat() {
	tok, err := tokenizer.LoadSentencePiece("../../testdata/tokenizer/mistral-v1.model")
	if err != nil {
		log.Fatal(err)
	}
	msgs := []tokenizer.Message{
		{Role: tokenizer.RoleUser, Content: "Bonjour !"},
		{Role: tokenizer.RoleAssistant, Content: "Bonjour, comment puis-je vous aider ?"},
		{Role: tokenizer.RoleUser, Content: "Parle-moi de Mistral 7B."},
	}
	ids, err := tok.EncodeChat(msgs, tokenizer.ChatOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.DefaultChatFormat(), len(ids), "tokens")
	// Show the text with the control tokens, which decode to nothing.
	d := tok.NewDecoder(tokenizer.DecoderOptions{})
	for _, id := range ids {
		if tok.Type(id) == tokenizer.Control {
			fmt.Print(tok.Piece(id))
			continue
		}
		s, err := d.Add(id)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(s)
	}
	fmt.Println(d.Flush())

	_, err = tok.EncodeChat(msgs[1:], tokenizer.ChatOptions{})
	fmt.Println(err)
	// Output:
	// v1 42 tokens
	// <s> [INST] Bonjour ! [/INST] Bonjour, comment puis-je vous aider ?</s> [INST] Parle-moi de Mistral 7B. [/INST]
	// tokenizer: chat: message 0: assistant message before any user message (a conversation starts with a user message)
}

// A conversation with a tool: the assistant's call, the tool's result, in
// the v3 format of Mistral 7B v0.3.
func ExampleTokenizer_EncodeChat_tools() {
	tok, err := tokenizer.LoadSentencePiece("../../testdata/tokenizer/mistral-v3.model")
	if err != nil {
		log.Fatal(err)
	}
	tools := []tokenizer.Tool{{
		Name:        "get_weather",
		Description: "Current weather",
		Parameters:  json.RawMessage(`{"type": "object", "properties": {"city": {"type": "string"}}}`),
	}}
	msgs := []tokenizer.Message{
		{Role: tokenizer.RoleUser, Content: "Quel temps fait-il à Paris ?"},
		{Role: tokenizer.RoleAssistant, ToolCalls: []tokenizer.ToolCall{
			{ID: "D681PevKs", Name: "get_weather", Arguments: json.RawMessage(`{"city":"Paris"}`)},
		}},
		{Role: tokenizer.RoleTool, ToolCallID: "D681PevKs", Content: `{"celsius": 22}`},
	}
	turns, err := tok.EncodeChatTurns(msgs, tokenizer.ChatOptions{Tools: tools})
	if err != nil {
		log.Fatal(err)
	}
	// Each message's turn, as its pieces (▁ for spaces).
	for _, turn := range turns[1:] {
		var text strings.Builder
		for _, id := range turn {
			text.WriteString(tok.Piece(id))
		}
		fmt.Println(text.String())
	}
	// Output:
	// [AVAILABLE_TOOLS]▁[{"type":▁"function",▁"function":▁{"name":▁"get_weather",▁"description":▁"Current▁weather",▁"parameters":▁{"type":▁"object",▁"properties":▁{"city":▁{"type":▁"string"}}}}}][/AVAILABLE_TOOLS][INST]▁Quel▁temps▁fait-il▁à▁Paris▁?[/INST]
	// [TOOL_CALLS]▁[{"name":▁"get_weather",▁"arguments":▁{"city":▁"Paris"},▁"id":▁"D681PevKs"}]</s>
	// [TOOL_RESULTS]▁{"content":▁{"celsius":▁22},▁"call_id":▁"D681PevKs"}[/TOOL_RESULTS]
}

func ExampleFromGGUF() {
	f, err := gguf.Open("../models/tiny-mistral-v1-f16.gguf")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenizer.FromGGUF(f.File)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Len(), tok.BOS(), tok.EOS(), tok.AddBOS(), tok.DefaultChatFormat())
	// Output:
	// 32000 1 2 true v1
}
