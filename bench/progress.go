package main

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// bar shows the progress of a long command: a progress bar on a terminal,
// a line per step otherwise.
type bar struct {
	w     io.Writer
	title string
	pb    *progressbar.ProgressBar
	n     int
}

func newBar(w io.Writer, title string) *bar { return &bar{w: w, title: title} }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (b *bar) total(n int) {
	if isTerminal(b.w) {
		b.pb = progressbar.NewOptions(n, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription(b.title),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
}

func (b *bar) step(what string) {
	b.n++
	if b.pb != nil {
		b.pb.Describe(what)
		b.pb.Add(1)
		return
	}
	fmt.Fprintf(b.w, "%s: %s\n", b.title, what)
}

func (b *bar) done() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
