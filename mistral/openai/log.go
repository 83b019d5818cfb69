package openai

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// requestLog is what a request's log line says beside its method, path and
// status: filled in by the endpoint as the request goes.
type requestLog struct {
	start      time.Time     // arrival
	queue      time.Duration // waiting for a slot
	ttft       time.Duration // from arrival to the first token (0: none)
	prompt     int           // prompt tokens
	cached     int           // of which found in a kept Session
	completion int           // tokens generated
	finish     string        // finish reason of the first answer
	stream     bool
	cancelled  bool // the client went away (or the server shut down)
	err        string
}

type requestLogKey struct{}

// logOf returns the request's log record (a throwaway one outside a
// Handler).
func logOf(r *http.Request) *requestLog {
	if rl, ok := r.Context().Value(requestLogKey{}).(*requestLog); ok {
		return rl
	}
	return &requestLog{}
}

// logRequest writes the request's line.
func (h *Handler) logRequest(r *http.Request, sw *statusWriter, rl *requestLog, elapsed time.Duration) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", elapsed),
	}
	if rl.prompt > 0 {
		attrs = append(attrs,
			slog.Duration("queue", rl.queue),
			slog.Duration("ttft", rl.ttft),
			slog.Int("prompt_tokens", rl.prompt),
			slog.Int("cached_tokens", rl.cached),
			slog.Int("completion_tokens", rl.completion),
			slog.Bool("stream", rl.stream),
		)
		if gen := elapsed - rl.ttft; rl.completion > 1 && rl.ttft > 0 && gen > 0 {
			attrs = append(attrs, slog.Float64("tokens_per_second", float64(rl.completion-1)/gen.Seconds()))
		}
	}
	if rl.finish != "" {
		attrs = append(attrs, slog.String("finish", rl.finish))
	}
	if rl.cancelled {
		attrs = append(attrs, slog.Bool("cancelled", true))
	}
	if rl.err != "" {
		attrs = append(attrs, slog.String("error", rl.err))
	}
	h.log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (to flush).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
