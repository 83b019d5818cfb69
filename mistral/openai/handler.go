package openai

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gomistral/gomistral/mistral"
)

// HandlerConfig configures a Handler. The zero value serves the model as
// "mistral" to anyone, four requests at a time, with no queue.
type HandlerConfig struct {
	// ModelName is the model's id in answers and in GET /v1/models. Empty
	// means "mistral". Requests may name any model: they get this one.
	ModelName string

	// APIKey, if not empty, is the key every request but GET /health must
	// send as "Authorization: Bearer KEY"; others get a 401.
	APIKey string

	// Parallel is the most generation requests running at once, each with
	// a Session (a request with n > 1 takes one slot and generates its
	// answers at once, each with a Session). Their decoding is batched by
	// the model's scheduler. Zero means 4.
	Parallel int
	// Queue is the most generation requests waiting for one of the
	// Parallel slots; beyond it a request gets a 503 with a Retry-After
	// header. Zero means none wait.
	Queue int
	// RetryAfter is the wait a 503 asks for, rounded up to whole seconds.
	// Zero means 1 s.
	RetryAfter time.Duration

	// MaxBodyBytes bounds a request's body; a larger one gets a 413. Zero
	// means 8 MiB.
	MaxBodyBytes int64
	// MaxTokens is the most tokens of a chat answer whose request sets no
	// limit (completions default to 16, as OpenAI's). Zero means 4096.
	MaxTokens int
	// MaxN is the most answers a request may ask for (n, times the prompts
	// of a completion). Zero means 8.
	MaxN int

	// CacheSessions and CacheBytes bound the prompt cache: the Sessions of
	// finished requests kept so that a request whose prompt begins like
	// theirs computes only the rest (see Session.Prefill), and the memory
	// of their KV caches (Session.CacheBytes). Zero means 2 × Parallel
	// Sessions and 4 GiB.
	CacheSessions int
	CacheBytes    int64
	// NoPromptCache keeps no Session: every request computes its whole
	// prompt in a new one.
	NoPromptCache bool

	// Session configures the Sessions.
	Session mistral.SessionConfig
	// NoDrafts turns off the drafts of every generation (see
	// mistral.GenerateConfig.NoDrafts): the answers are the same, one
	// token per pass. For measuring batched decoding alone.
	NoDrafts bool

	// Logger receives one line per request, with its timings. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Handler is an http.Handler serving a Model with OpenAI's API:
//
//	POST /v1/chat/completions  chat, streamed or not, with JSON output
//	POST /v1/completions       continuation of a text (the legacy API)
//	GET  /v1/models            the model
//	GET  /health               200 {"status": "ok"}, open without the API key
//	GET  /metrics              Prometheus metrics
//	POST /tokenize             {"content": text} to {"tokens": [ids]}
//	POST /detokenize           {"tokens": [ids]} to {"content": text}
//
// Each generation request runs in its own goroutine with a Session of its
// own (see HandlerConfig.Parallel), and stops at the next token when its
// client goes away. A Handler is safe for concurrent use. Close it after
// the server that uses it has shut down, before closing the Model.
type Handler struct {
	m       *mistral.Model
	cfg     HandlerConfig
	log     *slog.Logger
	mux     *http.ServeMux
	met     *metrics
	lim     *limiter
	cache   *promptCache
	schemas schemaCache
	created int64
}

// NewHandler returns a Handler serving m. It reports a configuration that
// cannot mean anything (a negative bound).
func NewHandler(m *mistral.Model, cfg HandlerConfig) (*Handler, error) {
	if cfg.Parallel < 0 || cfg.Queue < 0 || cfg.RetryAfter < 0 || cfg.MaxBodyBytes < 0 ||
		cfg.MaxTokens < 0 || cfg.MaxN < 0 || cfg.CacheSessions < 0 || cfg.CacheBytes < 0 {
		return nil, fmt.Errorf("openai: new handler: negative bound in %+v", cfg)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if cfg.ModelName == "" {
		cfg.ModelName = "mistral"
	}
	def(&cfg.Parallel, 4)
	def(&cfg.MaxTokens, 4096)
	def(&cfg.MaxN, 8)
	def(&cfg.CacheSessions, 2*cfg.Parallel)
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = 4 << 30
	}
	h := &Handler{m: m, cfg: cfg, log: cfg.Logger, met: newMetrics(), created: time.Now().Unix()}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.lim = newLimiter(cfg.Parallel, cfg.Queue, h.met)
	h.cache = &promptCache{m: m, cfg: cfg.Session, met: h.met, off: cfg.NoPromptCache,
		maxSessions: cfg.CacheSessions, maxBytes: cfg.CacheBytes}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", h.chatCompletions)
	mux.HandleFunc("POST /v1/completions", h.completions)
	mux.HandleFunc("GET /v1/models", h.models)
	mux.HandleFunc("GET /v1/models/{model...}", h.model)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(h.met.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /tokenize", h.tokenize)
	mux.HandleFunc("POST /detokenize", h.detokenize)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, &APIError{Status: http.StatusNotFound, Type: typeInvalidRequest,
			Message: fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path), Code: "unknown_url"})
	})
	h.mux = mux
	return h, nil
}

// Close closes the Sessions the prompt cache keeps. Requests still running
// finish normally, their Sessions closed instead of kept. It is idempotent.
func (h *Handler) Close() error {
	h.cache.close()
	return nil
}

// ServeHTTP answers a request, and logs it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rl := &requestLog{start: start}
	r = r.WithContext(context.WithValue(r.Context(), requestLogKey{}, rl))
	sw := &statusWriter{ResponseWriter: w}
	if h.authorized(sw, r) {
		r.Body = http.MaxBytesReader(sw, r.Body, h.cfg.MaxBodyBytes)
		h.mux.ServeHTTP(sw, r)
	}
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	endpoint := r.Pattern
	if endpoint == "" || endpoint == "/" {
		endpoint = "other"
	}
	elapsed := time.Since(start)
	h.met.requests.WithLabelValues(endpoint, fmt.Sprint(sw.status)).Inc()
	h.met.duration.WithLabelValues(endpoint).Observe(elapsed.Seconds())
	h.logRequest(r, sw, rl, elapsed)
}

// authorized checks the API key; it answers 401 itself when it is wrong.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request) bool {
	if h.cfg.APIKey == "" || r.URL.Path == "/health" {
		return true
	}
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && subtle.ConstantTimeCompare([]byte(key), []byte(h.cfg.APIKey)) == 1 {
		return true
	}
	msg := "Incorrect API key provided."
	if !ok {
		msg = "You didn't provide an API key: send it as \"Authorization: Bearer KEY\"."
	}
	writeJSON(w, http.StatusUnauthorized, &APIError{Status: http.StatusUnauthorized, Type: typeInvalidRequest,
		Message: msg, Code: "invalid_api_key"})
	return false
}

// decode reads the JSON body of a request into v.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return errEmptyBody
	}
	return json.Unmarshal(body, v)
}

var errEmptyBody = errors.New("empty body")

// admit waits for a slot for a generation request. On failure it has
// answered the request (503 when the queue is full) and returns nil.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request) (release func()) {
	start := time.Now()
	release, err := h.lim.acquire(r.Context())
	logOf(r).queue = time.Since(start)
	switch {
	case errors.Is(err, errOverloaded):
		secs := int((h.cfg.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		w.Header().Set("Retry-After-Ms", fmt.Sprint(h.cfg.RetryAfter.Milliseconds()))
		writeJSON(w, http.StatusServiceUnavailable, &APIError{Status: http.StatusServiceUnavailable, Type: typeServer,
			Message: "the server is busy: every slot is taken and the queue is full; retry later", Code: "server_overloaded"})
		return nil
	case err != nil:
		h.met.cancelled.Inc()
		logOf(r).cancelled = true
		return nil
	}
	return release
}

// newID returns an id for an answer, such as "chatcmpl-5f0c...".
func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func (h *Handler) limits() limits {
	return limits{vocab: h.m.Tokenizer().Len(), maxN: h.cfg.MaxN, maxTokens: h.cfg.MaxTokens, noDrafts: h.cfg.NoDrafts}
}

func (h *Handler) models(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ModelList{Object: "list", Data: []ModelObject{h.modelObject()}})
}

func (h *Handler) model(w http.ResponseWriter, r *http.Request) {
	if name := r.PathValue("model"); name != h.cfg.ModelName {
		writeJSON(w, http.StatusNotFound, &APIError{Status: http.StatusNotFound, Type: typeInvalidRequest, Param: "model",
			Message: fmt.Sprintf("the model %q does not exist (this server has %q)", name, h.cfg.ModelName), Code: "model_not_found"})
		return
	}
	writeJSON(w, http.StatusOK, h.modelObject())
}

func (h *Handler) modelObject() ModelObject {
	return ModelObject{ID: h.cfg.ModelName, Object: "model", Created: h.created, OwnedBy: "gomistral"}
}
