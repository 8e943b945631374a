// Package metrics exposes journeybot's Prometheus metrics: what Slack sent
// and what became of it, how long handling took, what the bot asked of
// Slack, store errors, reminders, and open workshops.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every metric family, in a registry of its own so tests can
// make as many as they like.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	slackCalls  *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	reminders   *prometheus.CounterVec
	panics      *prometheus.CounterVec
	installs    *prometheus.GaugeVec

	openMu    sync.Mutex
	openAt    time.Time
	openCount float64
}

// New registers the families. open counts the open workshops; it is called
// at most once a minute, however often Prometheus scrapes.
func New(open func(context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "journeybot_requests_total",
			Help: "Requests from Slack by route and outcome (accepted, duplicate, ignored, rejected, error, bad_signature, too_large, bad_request).",
		}, []string{"route", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "journeybot_request_duration_seconds",
			Help:    "Time to answer a request from Slack (the acknowledgement, not the work after it).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		slackCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "journeybot_slack_api_calls_total",
			Help: "Slack Web API calls by method and HTTP status (429 is a rate limit).",
		}, []string{"method", "status"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "journeybot_store_errors_total",
			Help: "Store operations that failed, by operation.",
		}, []string{"op"}),
		reminders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "journeybot_reminders_total",
			Help: "Review reminders by result: posted, late (posted after downtime), claimed_elsewhere (another replica posted it).",
		}, []string{"result"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "journeybot_panics_total",
			Help: "Panics recovered (the process kept running), by task: a bug to look at in the logs.",
		}, []string{"task"}),
		installs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "journeybot_installations",
			Help: "Teams that installed the app (multi-workspace mode), by state: active, or uninstalled and kept until their retention ends.",
		}, []string{"state"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.slackCalls, m.storeErrors, m.reminders, m.panics, m.installs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if open != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "journeybot_workshops_open",
			Help: "Workshops not closed (refreshed at most once a minute).",
		}, func() float64 { return m.open(open) }))
	}
	for _, r := range []string{"posted", "late", "claimed_elsewhere"} {
		m.reminders.WithLabelValues(r)
	}
	// Zero series for the request routes and the scheduler, so an alert on
	// an increase sees the first panic.
	for _, t := range []string{"events", "commands", "interactions", "review"} {
		m.panics.WithLabelValues(t)
	}
	return m
}

func (m *Metrics) open(count func(context.Context) (int, error)) float64 {
	m.openMu.Lock()
	defer m.openMu.Unlock()
	if time.Since(m.openAt) < time.Minute {
		return m.openCount
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := count(ctx); err == nil {
		m.openCount, m.openAt = float64(n), time.Now()
	}
	return m.openCount
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request counts one request from Slack and what became of it.
func (m *Metrics) Request(route, outcome string) {
	m.requests.WithLabelValues(route, outcome).Inc()
}

// Reminder counts one review reminder by result.
func (m *Metrics) Reminder(result string) {
	m.reminders.WithLabelValues(result).Inc()
}

// Installations sets how many teams have the app installed, and how many
// uninstalled it and are kept until their retention ends.
func (m *Metrics) Installations(active, uninstalled int) {
	m.installs.WithLabelValues("active").Set(float64(active))
	m.installs.WithLabelValues("uninstalled").Set(float64(uninstalled))
}

// Panic counts a panic recovered in task.
func (m *Metrics) Panic(task string) {
	m.panics.WithLabelValues(task).Inc()
}

// StoreError counts a failed store operation.
func (m *Metrics) StoreError(op string) {
	m.storeErrors.WithLabelValues(op).Inc()
}

// Time wraps h to measure how long answering takes, under route.
func (m *Metrics) Time(route string, h http.Handler) http.Handler {
	obs := m.latency.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		obs.Observe(time.Since(start).Seconds())
	})
}

// Transport counts the Slack Web API calls made through base, by method
// (the last element of the URL path) and HTTP status.
func (m *Metrics) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		if !strings.Contains(r.URL.Path, "/api/") {
			method = "file_upload" // the upload URL of files.getUploadURLExternal
		}
		resp, err := base.RoundTrip(r)
		status := "error"
		if err == nil {
			status = strconv.Itoa(resp.StatusCode)
		}
		m.slackCalls.WithLabelValues(method, status).Inc()
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
