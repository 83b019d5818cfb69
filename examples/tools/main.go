// Command tools lets a Mistral model call Go functions: it offers the model
// two tools (the weather of a city, and arithmetic), runs the calls the
// model writes, gives it their results and prints its answer.
//
//	go run ./examples/tools -model mistral-7b-instruct-v0.3.Q4_K_M.gguf -q "What's the weather in Paris, in celsius?"
//
// Function calling needs a model of the v3 format (Mistral 7B Instruct
// v0.3), whose vocabulary has the tool tokens; the small model that ships
// with the library does not, so -model is required. The conversation goes to
// standard error as it happens ("call", "result"); the answer alone goes to
// standard output.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

func main() { cli.Main("tools", run) }

// A tool: what the model is told, and the Go function that answers.
type tool struct {
	def mistral.Tool
	run func(args json.RawMessage) (any, error)
}

var tools = []tool{
	{
		def: mistral.Tool{
			Name:        "get_current_weather",
			Description: "Get the current weather in a city",
			Parameters: json.RawMessage(`{"type": "object", "properties": {
				"location": {"type": "string", "description": "The city, e.g. Paris"},
				"format": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
				"required": ["location", "format"]}`),
		},
		run: func(args json.RawMessage) (any, error) {
			var a struct{ Location, Format string }
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, err
			}
			temp := 22 // a stand-in for a weather service
			if a.Format == "fahrenheit" {
				temp = temp*9/5 + 32
			}
			return map[string]any{"location": a.Location, "temperature": temp, "format": a.Format, "sky": "clear"}, nil
		},
	},
	{
		def: mistral.Tool{
			Name:        "multiply",
			Description: "Multiply two numbers",
			Parameters: json.RawMessage(`{"type": "object", "properties": {
				"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}`),
		},
		run: func(args json.RawMessage) (any, error) {
			var a struct{ A, B float64 }
			if err := json.Unmarshal(args, &a); err != nil {
				return nil, err
			}
			return a.A * a.B, nil
		},
	},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tools", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model    = fs.String("model", "", "GGUF model of the v3 format, e.g. Mistral 7B Instruct v0.3 (required)")
		question = fs.String("q", "What's the weather like in Paris today, in celsius?", "the user's question")
		n        = fs.Int("n", 256, "most tokens per answer or call")
		rounds   = fs.Int("rounds", 3, "most rounds of calls before the model must answer in text")
		choice   = fs.String("tool-choice", "auto", "the first round's tool choice: auto, required or none")
		threads  = cli.AddThreads(fs)
		sampling = cli.AddSampling(fs, mistral.SamplerConfig{}, cli.AllSampling)
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *model == "" {
		return errors.New("-model is required: a model of the v3 format (the shipped model has no tool tokens)")
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := mistral.Load(ctx, *model, mistral.Config{Threads: *threads, Logger: logger})
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return err
	}
	defer s.Close()

	first, err := tokenizer.ParseToolChoice(*choice)
	if err != nil {
		return err
	}
	defs := make([]mistral.Tool, len(tools))
	for i, t := range tools {
		defs[i] = t.def
	}
	msgs := []mistral.Message{{Role: mistral.RoleUser, Content: *question}}
	for round := 0; ; round++ {
		cfg := mistral.GenerateConfig{SamplerConfig: sampling.Config(), MaxTokens: *n, Tools: defs}
		if round == 0 {
			cfg.ToolChoice = first
		}
		if round == *rounds {
			cfg.ToolChoice = mistral.ToolChoice{Mode: mistral.ToolNone} // answer with what you have
		}
		var answer strings.Builder
		var calls []mistral.ToolCall
		for tok, err := range s.Chat(ctx, msgs, cfg) {
			if err != nil {
				return err
			}
			answer.WriteString(tok.Text)
			calls = append(calls, tok.ToolCalls...)
		}
		msgs = s.Messages() // the conversation with the model's answer or calls
		if len(calls) == 0 {
			_, err := fmt.Fprintln(stdout, strings.TrimSpace(answer.String()))
			return err
		}
		for _, c := range calls {
			fmt.Fprintf(stderr, "call %s %s(%s)\n", c.ID, c.Name, c.Arguments)
			result := callTool(c)
			fmt.Fprintf(stderr, "result %s %s\n", c.ID, result)
			msgs = append(msgs, mistral.Message{Role: mistral.RoleTool, ToolCallID: c.ID, Content: result})
		}
	}
}

// callTool runs a call and returns its result as JSON, or an error the
// model can read.
func callTool(c mistral.ToolCall) string {
	for _, t := range tools {
		if t.def.Name != c.Name {
			continue
		}
		out, err := t.run(c.Arguments)
		if err != nil {
			out = map[string]string{"error": err.Error()}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return fmt.Sprintf(`{"error": %q}`, err.Error())
		}
		return string(b)
	}
	return fmt.Sprintf(`{"error": "no tool is named %s"}`, c.Name)
}
