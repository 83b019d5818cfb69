// Command serve serves a Mistral model over HTTP with OpenAI's API (chat
// completions, completions, models), with a chat page at / for a browser.
//
//	go run ./examples/serve                                   # the small shipped model
//	go run ./examples/serve -model mistral-7b-instruct-v0.2.Q4_K_M.gguf -addr 127.0.0.1:8080 -api-key secret
//
// Any OpenAI client then talks to it with the base URL http://ADDR/v1:
//
//	curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \
//	    -d '{"messages": [{"role": "user", "content": "Bonjour !"}], "stream": true}'
//
// It says where it listens on standard output as soon as it does; GET
// /health answers 503 while the model loads, 200 once it is loaded. On
// SIGINT or SIGTERM it stops accepting connections, lets the requests
// running finish for -grace, then cancels them. Each request is logged on
// standard error, one line with its timings.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/openai"
)

func main() { cli.Main("serve", run) }

//go:embed page
var page embed.FS

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model    = cli.AddModel(fs)
		addr     = fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0: any free port)")
		name     = fs.String("name", "", "the model's id in the API (default: the file's name)")
		apiKey   = fs.String("api-key", os.Getenv("GOMISTRAL_API_KEY"), "key clients must send as \"Authorization: Bearer KEY\" (default $GOMISTRAL_API_KEY; empty: none)")
		parallel = fs.Int("parallel", 4, "most requests generating at once")
		queue    = fs.Int("queue", 64, "most requests waiting for a slot; beyond it, 503 with Retry-After")
		cache    = fs.Int("cache", 0, "Sessions of finished requests kept for their prompts (0: 2 × parallel)")
		noCache  = fs.Bool("no-cache", false, "keep no Session: compute every prompt whole")
		noDrafts = fs.Bool("no-drafts", false, "generate one token per pass, without drafts (the same answers; for measuring batched decoding alone)")
		maxTok   = fs.Int("max-tokens", 0, "most tokens of a chat answer whose request sets no limit (0: 4096)")
		threads  = cli.AddThreads(fs)
		grace    = fs.Duration("grace", 30*time.Second, "on SIGINT or SIGTERM, how long running requests may go on before they are cancelled")
		verbose  = fs.Bool("v", false, "log the model's details too")
		repack   mistral.RepackMode
	)
	fs.TextVar(&repack, "repack", mistral.RepackAtLoad,
		"when Q4_0 weights are copied to the faster interleaved layout: load, background (first token sooner) or off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	modelLog := logger
	if !*verbose {
		modelLog = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var h atomic.Pointer[http.Handler]
	// The requests' contexts: cancelled when the grace period is over.
	base, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	srv := &http.Server{
		Handler:           loading(&h),
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "serve: listening on http://%s (chat page at /, API at /v1)\n", ln.Addr())

	path, err := model.Path()
	if err != nil {
		return err
	}

	if *name == "" {
		*name = fileName(path)
	}
	start := time.Now()
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: *threads, Logger: modelLog, Repack: repack})
	if err != nil {
		srv.Close()
		return err
	}
	defer m.Close()
	api, err := openai.NewHandler(m, openai.HandlerConfig{ModelName: *name, APIKey: *apiKey, Parallel: *parallel,
		Queue: *queue, CacheSessions: *cache, NoPromptCache: *noCache, NoDrafts: *noDrafts, MaxTokens: *maxTok, Logger: logger})
	if err != nil {
		srv.Close()
		return err
	}
	defer api.Close()
	var mux http.Handler = withPage(api)
	h.Store(&mux)
	fmt.Fprintf(stdout, "serve: model %s loaded in %v\n", *name, time.Since(start).Round(time.Millisecond))

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(stdout, "serve: shutting down (running requests have %v)\n", *grace)
	return shutdown(srv, cancelRequests, *grace)
}

// shutdown stops accepting connections and waits for the requests running
// to finish; after grace it cancels them (they stop at their next token)
// and waits for them to end.
func shutdown(srv *http.Server, cancelRequests context.CancelFunc, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err == nil {
		return nil
	}
	cancelRequests()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := srv.Shutdown(ctx2); err != nil {
		return srv.Close()
	}
	return nil
}

// loading answers 503 until the handler is set.
func loading(h *atomic.Pointer[http.Handler]) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := h.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		if r.URL.Path == "/health" {
			io.WriteString(w, `{"status": "loading"}`+"\n")
			return
		}
		io.WriteString(w, `{"error": {"message": "the model is loading", "type": "server_error", "param": null, "code": null}}`+"\n")
	})
}

// withPage serves the chat page at / and the API everywhere else.
func withPage(api http.Handler) http.Handler {
	files, err := fs.Sub(page, "page")
	if err != nil {
		panic(err) // the embedded folder is there
	}
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	}))
	mux.Handle("GET /page/", http.StripPrefix("/page/", http.FileServerFS(files)))
	return mux
}

// fileName is the model's name from its file: the base name without .gguf.
func fileName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".gguf")
}
