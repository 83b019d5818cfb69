// Command chat is an interactive terminal chat with a Mistral instruct
// model. Answers stream as they are generated; the conversation stays in
// the model's cache between turns, so only the new message is computed.
//
//	go run ./examples/chat -model mistral-7b-instruct-v0.1.Q4_K_M.gguf -system "You are terse."
//
// Commands: /reset starts over, /save FILE and /load FILE keep a
// conversation (with its cache) on disk, /quit ends. Ctrl-C interrupts an
// answer without quitting; at the prompt it quits, as does Ctrl-D.
// Generation speed goes to standard error after each answer.
//
// Without -model it runs the small model that ships with the library, which
// was trained on a novel, not on conversations: it answers with prose.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral"
)

// Ctrl-C is the chat's own (see chat.loop): no signal context here.
func main() { cli.Exit("chat", run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

type options struct {
	system     string
	guardrails bool
	n          int
	sampling   mistral.SamplerConfig
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	model := cli.AddModel(fs)
	fs.StringVar(&o.system, "system", "", "system prompt")
	fs.BoolVar(&o.guardrails, "guardrails", false, "add the Mistral 7B paper's guardrail system prompt")
	fs.IntVar(&o.n, "n", 256, "most tokens per answer (0: until end of sequence)")
	threads := cli.AddThreads(fs)
	sampling := cli.AddSampling(fs, mistral.SamplerConfig{Temperature: 0.7, TopP: 0.9}, cli.Temp|cli.TopP|cli.Seed)
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.sampling = sampling.Config()
	path, err := model.Path()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := mistral.Load(context.Background(), path, mistral.Config{Threads: *threads, Logger: logger})
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return err
	}
	defer s.Close()
	c := &chat{o: o, s: s, out: stdout, errOut: stderr}
	return c.loop(stdin)
}

type chat struct {
	o      options
	s      *mistral.Session
	msgs   []mistral.Message
	out    io.Writer
	errOut io.Writer
}

// loop reads the user's lines until EOF, /quit or Ctrl-C at the prompt.
func (c *chat) loop(stdin io.Reader) error {
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)

	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		readErr <- sc.Err()
		close(lines)
	}()
	for {
		fmt.Fprint(c.out, "> ")
		var line string
		select {
		case <-interrupts:
			fmt.Fprintln(c.out)
			return nil
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(c.out)
				return <-readErr
			}
			line = strings.TrimSpace(l)
		}
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "/") {
			quit, err := c.command(line)
			if err != nil {
				fmt.Fprintln(c.out, "error:", err)
			}
			if quit {
				return nil
			}
			continue
		}
		c.answer(line, interrupts)
	}
}

// command runs a slash command.
func (c *chat) command(line string) (quit bool, err error) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "/quit", "/exit":
		return true, nil
	case "/reset":
		c.s.Reset()
		c.msgs = nil
		fmt.Fprintln(c.out, "(conversation reset)")
	case "/save":
		if arg == "" {
			return false, errors.New("usage: /save FILE")
		}
		f, err := os.Create(arg)
		if err != nil {
			return false, err
		}
		if err := c.s.Save(f); err != nil {
			f.Close()
			return false, err
		}
		if err := f.Close(); err != nil {
			return false, err
		}
		fmt.Fprintf(c.out, "(saved %d messages to %s)\n", len(c.msgs), arg)
	case "/load":
		if arg == "" {
			return false, errors.New("usage: /load FILE")
		}
		f, err := os.Open(arg)
		if err != nil {
			return false, err
		}
		defer f.Close()
		if err := c.s.Restore(bufio.NewReader(f)); err != nil {
			c.msgs = nil
			return false, err
		}
		c.msgs = c.s.Messages()
		fmt.Fprintf(c.out, "(loaded %d messages from %s)\n", len(c.msgs), arg)
	default:
		return false, fmt.Errorf("unknown command %s (try /reset, /save FILE, /load FILE, /quit)", name)
	}
	return false, nil
}

// answer streams the model's answer to the user's message; Ctrl-C stops it.
func (c *chat) answer(text string, interrupts <-chan os.Signal) {
	c.msgs = append(c.msgs, mistral.Message{Role: mistral.RoleUser, Content: text})
	conv := c.msgs
	if c.o.system != "" {
		conv = append([]mistral.Message{{Role: mistral.RoleSystem, Content: c.o.system}}, conv...)
	}
	if c.o.guardrails {
		conv = mistral.WithGuardrails(conv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-interrupts:
			cancel()
		case <-done:
		}
	}()
	cfg := mistral.GenerateConfig{
		SamplerConfig: c.o.sampling,
		MaxTokens:     c.o.n,
	}
	start := time.Now()
	var reply strings.Builder
	count := 0
	interrupted := false
	for tok, err := range c.s.Chat(ctx, conv, cfg) {
		if err != nil {
			if errors.Is(err, context.Canceled) {
				interrupted = true
			} else {
				fmt.Fprintln(c.out, "\nerror:", err)
			}
			break
		}
		count++
		reply.WriteString(tok.Text)
		fmt.Fprint(c.out, tok.Text)
	}
	fmt.Fprintln(c.out)
	if interrupted {
		fmt.Fprintln(c.out, "(interrupted)")
	}
	// The session recorded the answer as generated; keep the same text. A
	// message that got no answer at all is dropped.
	if count == 0 {
		c.msgs = c.msgs[:len(c.msgs)-1]
		return
	}
	if all := c.s.Messages(); len(all) > 0 && all[len(all)-1].Role == mistral.RoleAssistant {
		c.msgs = append(c.msgs, all[len(all)-1])
	} else {
		c.msgs = append(c.msgs, mistral.Message{Role: mistral.RoleAssistant, Content: reply.String()})
	}
	if secs := time.Since(start).Seconds(); secs > 0 {
		fmt.Fprintf(c.errOut, "[%d tokens, %.1f tokens/s]\n", count, float64(count)/secs)
	}
}
