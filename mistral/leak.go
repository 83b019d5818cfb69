package mistral

import (
	"log/slog"
	"runtime"
	"strconv"
	"strings"
)

// leak is what the cleanup of a Model or Session that was never closed
// needs: what to report, and how to free it.
type leak struct {
	log   *slog.Logger
	what  string
	where string // the stack that made it
	free  func() error
}

// leaked frees a Model or Session that was garbage collected without Close,
// and says so: Close it when done (its memory was held until now).
func leaked(l leak) {
	l.log.Warn("mistral: a "+l.what+" was garbage collected without Close; its memory was held until now",
		"created", l.where)
	if err := l.free(); err != nil {
		l.log.Warn("mistral: freeing a "+l.what+" that was not closed", "err", err)
	}
}

// callers returns where the caller's caller was called from, outside this
// package, as "function file:line" lines.
func callers() string {
	pc := make([]uintptr, 16)
	n := runtime.Callers(3, pc)
	frames := runtime.CallersFrames(pc[:n])
	var b strings.Builder
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "gomistral/mistral.") || strings.HasSuffix(f.File, "_test.go") {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(f.Function + " " + f.File + ":" + strconv.Itoa(f.Line))
			if b.Len() > 400 {
				break
			}
		}
		if !more {
			break
		}
	}
	return b.String()
}
