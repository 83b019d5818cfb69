package openai

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are what GET /metrics shows, in a registry of the handler's own
// (with the Go runtime's and the process's collectors).
type metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec // by endpoint and status code
	running   prometheus.Gauge       // requests holding a slot
	queued    prometheus.Gauge       // requests waiting for a slot
	rejected  prometheus.Counter     // 503s: the queue was full
	cancelled prometheus.Counter     // requests whose client went away before the end

	promptTokens     prometheus.Counter
	cachedTokens     prometheus.Counter
	completionTokens prometheus.Counter

	ttft     prometheus.Histogram
	duration *prometheus.HistogramVec // by endpoint

	cacheSessions prometheus.Gauge
	cacheBytes    prometheus.Gauge
}

func newMetrics() *metrics {
	const ns = "gomistral"
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "http_requests_total",
		Help: "HTTP requests answered, by endpoint and status code."}, []string{"endpoint", "code"})
	m.running = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "requests_running",
		Help: "Generation requests holding one of the parallel slots."})
	m.queued = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "requests_queued",
		Help: "Generation requests waiting for a slot."})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "requests_rejected_total",
		Help: "Generation requests refused with 503 because the queue was full."})
	m.cancelled = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "requests_cancelled_total",
		Help: "Generation requests stopped because the client went away (or the server shut down)."})
	m.promptTokens = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "prompt_tokens_total",
		Help: "Prompt tokens of generation requests."})
	m.cachedTokens = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "prompt_tokens_cached_total",
		Help: "Prompt tokens found in the Session of an earlier request and not computed again."})
	m.completionTokens = prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "completion_tokens_total",
		Help: "Tokens generated."})
	m.ttft = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "time_to_first_token_seconds",
		Help:    "Time from a generation request's arrival to its first token.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "http_request_duration_seconds",
		Help:    "Time to answer a request, by endpoint.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 16)}, []string{"endpoint"})
	m.cacheSessions = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "prompt_cache_sessions",
		Help: "Sessions of finished requests kept for their prompts."})
	m.cacheBytes = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "prompt_cache_bytes",
		Help: "KV cache memory of the kept Sessions."})
	m.reg.MustRegister(m.requests, m.running, m.queued, m.rejected, m.cancelled,
		m.promptTokens, m.cachedTokens, m.completionTokens, m.ttft, m.duration,
		m.cacheSessions, m.cacheBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
