// Package metrics holds Switchboard's Prometheus metrics: one registry per
// process (so that tests can run several stacks in one binary), the HTTP
// and webhook counters, Twilio sends, the PostgreSQL-backed gauges read on
// scrape, and an adapter that routes the Temporal SDK's metrics (and
// workflow-emitted ones such as window expiries) into the same registry.
package metrics

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboard/switchboard/internal/domain"
)

// Namespace prefixes every metric Switchboard defines.
const Namespace = "switchboard"

// Webhook results and refusal reasons (label values of WebhooksTotal).
const (
	ResultAccepted = "accepted"
	ResultRefused  = "refused"

	ReasonStored         = "stored"
	ReasonDuplicate      = "duplicate"
	ReasonApplied        = "applied"
	ReasonBadSignature   = "bad_signature"
	ReasonUnknownAccount = "unknown_account"
	ReasonUnknownNumber  = "unknown_number"
	ReasonInvalid        = "invalid"
	ReasonStoreError     = "store_error"
)

// Rate limit classes (label values of RateLimited).
const (
	RateLimitAdmin           = "admin"
	RateLimitAgent           = "agent"
	RateLimitUnauthenticated = "unauthenticated"
	RateLimitAgentStreams    = "agent_streams"
)

// Metrics is the registry of one process and the metrics it updates itself.
type Metrics struct {
	Registry *prometheus.Registry

	HTTPRequests       *prometheus.CounterVec
	HTTPDuration       *prometheus.HistogramVec
	HTTPInFlight       prometheus.Gauge
	Webhooks           *prometheus.CounterVec
	TwilioSends        *prometheus.CounterVec
	TwilioSendDuration *prometheus.HistogramVec
	// AssignmentRedeliveries counts assignments the relay signalled again
	// because their workflow had not applied them in time.
	AssignmentRedeliveries prometheus.Counter
	// InboxRedeliveries counts inbound messages the relay delivered again
	// because the workflow had not recorded them (internal/relay).
	InboxRedeliveries prometheus.Counter
	RateLimited       *prometheus.CounterVec

	sdk *sdkRoot // metrics the Temporal SDK (and workflows) emit
}

// New returns a registry with the Go runtime and process collectors and
// Switchboard's own metrics registered. logger (may be nil) hears about SDK
// metrics that cannot be registered.
func New(logger *slog.Logger) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: reg,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route template and status.",
		}, []string{"method", "route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route template.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		HTTPInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Name: "http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		AssignmentRedeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "assignment_redeliveries_total",
			Help: "Assignments signalled again to a conversation workflow that had not applied them within " +
				"distribution.AssignmentRedeliverAfter (a lost signal, or a workflow busy for that long).",
		}),
		Webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "webhooks_total",
			Help: "Twilio webhooks by kind (inbound, status), result (accepted, refused) and reason " +
				"(stored, duplicate, applied; bad_signature, unknown_account, unknown_number, invalid, store_error).",
		}, []string{"webhook", "result", "reason"}),
		TwilioSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "twilio_sends_total",
			Help: "Messages handed to Twilio, by outcome (accepted, failed, refused, window_closed, retryable) and Twilio error code.",
		}, []string{"outcome", "error_code"}),
		TwilioSendDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "twilio_send_duration_seconds",
			Help:    "Time of one Twilio Messages.json call, by outcome.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20},
		}, []string{"outcome"}),
		InboxRedeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "inbox_redeliveries_total",
			Help: "Inbound messages delivered to their workflow again because the transcript did not have them within the bound (each is a message the workflow lost, or a worker stalled that long).",
		}),
		RateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Name: "rate_limited_total",
			Help: "Requests refused with 429 by a per-client rate limit, by class (admin, agent, unauthenticated, agent_streams).",
		}, []string{"class"}),
	}
	reg.MustRegister(m.HTTPRequests, m.HTTPDuration, m.HTTPInFlight, m.Webhooks, m.TwilioSends, m.TwilioSendDuration, m.RateLimited,
		m.AssignmentRedeliveries, m.InboxRedeliveries)
	for _, class := range []string{RateLimitAdmin, RateLimitAgent, RateLimitUnauthenticated, RateLimitAgentStreams} {
		m.RateLimited.WithLabelValues(class) // exported from the start, at 0
	}
	m.sdk = newSDKRoot(reg, logger)
	// Window expiries exist from the start (0), labelled by reason only
	// (the SDK's namespace/task queue/workflow type tags are dropped).
	sdk := m.SDKHandler()
	for _, reason := range []string{domain.ModeReasonWindowExpired, domain.ModeReasonTwilio63016} {
		sdk.WithTags(map[string]string{"reason": reason}).Counter(domain.WindowExpiriesMetric).Inc(0)
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Webhook counts one Twilio webhook.
func (m *Metrics) Webhook(kind, result, reason string) {
	m.Webhooks.WithLabelValues(kind, result, reason).Inc()
}
