// Package metrics exposes what Linkdesk does in Prometheus's format:
// request latency per route and status, calls to the providers per
// operation with their latency and failures, QR payments by status, the
// reconciler's passes and refused sign-ins. It is served only when an
// operator asks for it (a bearer token, or a listener of its own).
package metrics

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Linkdesk's collectors, on a registry of its own.
type Metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.HistogramVec
	upstream       *prometheus.HistogramVec
	upstreamErrors *prometheus.CounterVec
	reconciles     *prometheus.CounterVec
	loginRefusals  *prometheus.CounterVec
}

// PaymentCounter counts QR payments by status, at scrape time.
type PaymentCounter func(ctx context.Context) (map[string]int, error)

// New builds the collectors; payments is asked on every scrape.
func New(payments PaymentCounter) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "linkdesk_http_request_duration_seconds", Help: "Time to answer a request, by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "linkdesk_upstream_request_duration_seconds", Help: "Time of a call to a provider, by provider, operation and HTTP status (0: no answer).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"provider", "operation", "status"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkdesk_upstream_errors_total", Help: "Calls to a provider that got no answer or a 5xx, by provider and operation.",
		}, []string{"provider", "operation"}),
		reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkdesk_reconciler_runs_total", Help: "Passes of the payment reconciler, by outcome (ok, error).",
		}, []string{"outcome"}),
		loginRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "linkdesk_login_refusals_total", Help: "Refused sign-ins, by reason.",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(m.requests, m.upstream, m.upstreamErrors, m.reconciles, m.loginRefusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		paymentsCollector{count: payments, desc: prometheus.NewDesc("linkdesk_payments",
			"QR payments stored, by status.", []string{"status"}, nil)})
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ObserveRequest records one answered request; route is its template
// (/links/:id), never the path, so ids do not make endless series.
func (m *Metrics) ObserveRequest(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// ReconcilePass records a reconciler pass (the core's observer).
func (m *Metrics) ReconcilePass(ok bool) {
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	m.reconciles.WithLabelValues(outcome).Inc()
}

// LoginRefused records a refused sign-in (the core's observer).
func (m *Metrics) LoginRefused(reason string) { m.loginRefusals.WithLabelValues(reason).Inc() }

// Transport measures the calls a provider client makes through next.
func (m *Metrics) Transport(provider string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper{m: m, provider: provider, next: next}
}

type roundTripper struct {
	m        *Metrics
	provider string
	next     http.RoundTripper
}

func (t roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	op := Operation(r.Method, r.URL.Path)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	t.m.upstream.WithLabelValues(t.provider, op, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	if err != nil || status >= http.StatusInternalServerError {
		t.m.upstreamErrors.WithLabelValues(t.provider, op).Inc()
	}
	return resp, err
}

// idSegment is a path segment that names one record.
var idSegment = regexp.MustCompile(`/[0-9]+(/|$)`)

// Operation names a provider call by its method and path with record ids
// folded, so each endpoint is one series: GET /craftlink/v1/products/:id.
func Operation(method, path string) string {
	return method + " " + idSegment.ReplaceAllString(path, "/:id$1")
}

// paymentsCollector asks the database at scrape time: the counts stay
// right across instances and restarts without any bookkeeping.
type paymentsCollector struct {
	count PaymentCounter
	desc  *prometheus.Desc
}

func (c paymentsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c paymentsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), status)
	}
}
