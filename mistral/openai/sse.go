package openai

import (
	"encoding/json"
	"net/http"
)

// sseWriter writes server-sent events, each "data: JSON" and a blank line,
// flushed at once. The status (200) and headers go with the first event.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	err     error // the first write error; later events are dropped
}

func newSSE(w http.ResponseWriter) *sseWriter {
	return &sseWriter{w: w, rc: http.NewResponseController(w)}
}

// send writes v as an event.
func (s *sseWriter) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.write(b)
}

// fail reports err: as the response (an error status) when no event was
// sent yet, else as a last event, {"error": {...}}, which OpenAI's clients
// raise.
func (s *sseWriter) fail(err error) {
	if !s.started {
		writeError(s.w, err)
		return
	}
	if s.err == nil {
		s.send(asAPIError(err))
	}
}

// done writes the last event, "data: [DONE]".
func (s *sseWriter) done() error { return s.write([]byte("[DONE]")) }

func (s *sseWriter) write(data []byte) error {
	if s.err != nil {
		return s.err
	}
	if !s.started {
		s.started = true
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // for proxies that buffer
		s.w.WriteHeader(http.StatusOK)
	}
	buf := make([]byte, 0, len(data)+8)
	buf = append(buf, "data: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	if _, s.err = s.w.Write(buf); s.err == nil {
		s.err = s.rc.Flush()
	}
	return s.err
}
