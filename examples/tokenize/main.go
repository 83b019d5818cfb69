// Command tokenize prints the token ids of text under a Mistral tokenizer.
//
//	go run ./examples/tokenize -model PATH -text "Hello world"
//	[22557,1526]
//
//	echo '["Hello", "world"]' | go run ./examples/tokenize -model PATH -bos
//	[[1,22557],[1,1526]]
//
//	go run ./examples/tokenize -model PATH -chat REQUEST.json
//	[1,3,2592,29510,...]
//
// With -text it prints the ids of that text as one JSON array; without, it
// reads a JSON array of strings on standard input and prints a JSON array of
// id arrays. With -chat it reads a chat completion request in OpenAI's shape
// (messages with tool_calls and tool_call_id, tools; "-" for standard input)
// and prints the ids of its conversation in the model's instruct format, as
// mistral-common lays it out. PATH is a GGUF model or a SentencePiece
// tokenizer.model, told apart by their first bytes. -bos starts each text
// with BOS. Nothing but the ids goes to standard output; errors go to
// standard error, with a non-zero exit status.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral/openai"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

func main() { cli.Exit("tokenize", run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the program, with its arguments and standard streams.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "a GGUF file or a SentencePiece tokenizer.model (required)")
	text := fs.String("text", "", "the text to tokenize; without it, a JSON array of strings is read on standard input")
	bos := fs.Bool("bos", false, "start with the BOS token")
	chat := fs.String("chat", "", "a chat completion request in OpenAI's JSON shape (- for standard input): print the ids of its conversation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *model == "" {
		return errors.New("-model is required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	textSet := false
	fs.Visit(func(f *flag.Flag) { textSet = textSet || f.Name == "text" })
	if *chat != "" && (textSet || *bos) {
		return errors.New("-chat takes neither -text nor -bos (a conversation starts with BOS)")
	}

	tok, err := load(*model)
	if err != nil {
		return err
	}
	opt := tokenizer.EncodeOptions{BOS: *bos}
	var out any
	if *chat != "" {
		ids, err := encodeChat(tok, *chat, stdin)
		if err != nil {
			return err
		}
		out = ids
	} else if textSet {
		ids, err := tok.Encode(*text, opt)
		if err != nil {
			return err
		}
		out = ids
	} else {
		texts, err := readTexts(stdin)
		if err != nil {
			return err
		}
		all := make([][]int32, len(texts))
		for i, s := range texts {
			if all[i], err = tok.Encode(s, opt); err != nil {
				return fmt.Errorf("text %d: %w", i, err)
			}
		}
		out = all
	}
	b, err := json.Marshal(nonNull(out))
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}

// load reads the tokenizer of a GGUF file or a tokenizer.model, which it
// tells apart by the first bytes: GGUF files start with "GGUF", SentencePiece
// models with the tag of their first piece (field 1, length-delimited).
func load(path string) (*tokenizer.Tokenizer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	magic := make([]byte, 4)
	n, err := io.ReadFull(f, magic)
	f.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	magic = magic[:n]
	switch {
	case bytes.Equal(magic, []byte("GGUF")):
		m, err := gguf.Open(path)
		if err != nil {
			return nil, err
		}
		defer m.Close()
		return tokenizer.FromGGUF(m.File)
	case n > 0 && magic[0] == 0x0a:
		return tokenizer.LoadSentencePiece(path)
	}
	return nil, fmt.Errorf("%s is neither a GGUF file nor a SentencePiece model", path)
}

// encodeChat returns the ids of the conversation of the chat completion
// request in the file path ("-" for stdin).
func encodeChat(tok *tokenizer.Tokenizer, path string, stdin io.Reader) ([]int32, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, fmt.Errorf("%s: want a chat completion request: %w", path, err)
	}
	c, err := req.Chat()
	if err != nil {
		return nil, err
	}
	return tok.EncodeChat(c.Messages, tokenizer.ChatOptions{Tools: c.Tools})
}

// readTexts reads one JSON array of strings.
func readTexts(r io.Reader) ([]string, error) {
	dec := json.NewDecoder(r)
	var texts []string
	if err := dec.Decode(&texts); err != nil {
		return nil, fmt.Errorf("standard input: want a JSON array of strings: %w", err)
	}
	if texts == nil {
		return nil, errors.New("standard input: want a JSON array of strings, got null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("standard input: data after the JSON array")
	}
	return texts, nil
}

// nonNull makes empty id lists print as [] rather than null.
func nonNull(v any) any {
	switch v := v.(type) {
	case []int32:
		if v == nil {
			return []int32{}
		}
	case [][]int32:
		for i := range v {
			if v[i] == nil {
				v[i] = []int32{}
			}
		}
	}
	return v
}
