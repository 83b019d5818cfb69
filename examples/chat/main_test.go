package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/require"
)

// terminal drives the chat program through a pseudo-terminal, as a user
// would: typed lines, Ctrl-C as the terminal sends it.
type terminal struct {
	t    *testing.T
	f    *os.File
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // bytes of buf already matched
}

func (term *terminal) read() {
	b := make([]byte, 4096)
	for {
		n, err := term.f.Read(b)
		term.mu.Lock()
		term.buf.Write(b[:n])
		term.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// expect waits until the output after the last match matches re, and
// returns that output.
func (term *terminal) expect(re string) string {
	term.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		term.mu.Lock()
		out := term.buf.String()[term.seen:]
		if loc := rx.FindStringIndex(out); loc != nil {
			term.seen += loc[1]
			term.mu.Unlock()
			return out[:loc[1]]
		}
		term.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	term.mu.Lock()
	defer term.mu.Unlock()
	term.t.Fatalf("no %q in the output:\n%s", re, term.buf.String()[term.seen:])
	return ""
}

func (term *terminal) send(s string) {
	term.t.Helper()
	_, err := term.f.Write([]byte(s))
	require.NoError(term.t, err)
}

func TestChatThroughATerminal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs a Unix pseudo-terminal")
	}
	bin := filepath.Join(t.TempDir(), "chat")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-temp", "0", "-n", "400", "-threads", "1")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	f, err := pty.Start(cmd)
	require.NoError(t, err)
	defer f.Close()
	term := &terminal{t: t, f: f}
	go term.read()

	// A two-turn conversation.
	term.expect(`> `)
	term.send("Who is Natasha?\r")
	first := term.expect(`\n> `)
	term.send("And Pierre?\r")
	second := term.expect(`\n> `)
	require.NotEqual(t, first, second)

	// An answer interrupted with Ctrl-C: the program keeps going.
	term.send("Tell me everything about the war.\r")
	term.expect(`war\.\r?\n.+`) // the echo, then some of the answer
	term.send("\x03")
	term.expect(`\(interrupted\)`)
	term.expect(`> `)

	// Save, reset, load.
	file := filepath.Join(t.TempDir(), "conversation.session")
	term.send("/save " + file + "\r")
	saved := term.expect(`\(saved (\d+) messages`)
	term.expect(`> `)
	term.send("/reset\r")
	term.expect(`\(conversation reset\)`)
	term.expect(`> `)
	term.send("/load " + file + "\r")
	loaded := term.expect(`\(loaded (\d+) messages`)
	count := func(s string) string {
		return regexp.MustCompile(`\((?:saved|loaded) (\d+) messages`).FindStringSubmatch(s)[1]
	}
	require.Equal(t, count(saved), count(loaded))
	require.Equal(t, "6", count(loaded), "three questions and three answers")
	term.expect(`> `)

	// The loaded conversation goes on.
	term.send("Thank you.\r")
	term.expect(`\n> `)
	term.send("/quit\r")
	require.NoError(t, cmd.Wait())
	term.mu.Lock()
	all := term.buf.String()
	term.mu.Unlock()
	require.True(t, strings.Contains(all, "tokens/s"), "speed is reported")
}
