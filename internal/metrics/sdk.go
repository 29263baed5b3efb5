package metrics

import (
	"errors"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// NewSDKHandler returns a client.MetricsHandler (the Temporal SDK's metrics
// interface) over a Prometheus registry. The Temporal SDK's Prometheus
// route (contrib/tally) is not available as a module here, and this small
// adapter does the same: counters, gauges and timers (histograms in
// seconds) named as the SDK names them (temporal_*), with the SDK's tags
// as labels.
//
// Prometheus fixes a metric's label names at its first use: later uses
// with other tags keep those names (missing tags are "", extra ones are
// dropped), which is how the SDK uses them anyway.
func NewSDKHandler(reg prometheus.Registerer, logger *slog.Logger) client.MetricsHandler {
	return &sdkHandler{root: newSDKRoot(reg, logger)}
}

func newSDKRoot(reg prometheus.Registerer, logger *slog.Logger) *sdkRoot {
	return &sdkRoot{reg: reg, logger: logger, vecs: map[string]*sdkVec{}}
}

// SDKHandler returns the Temporal metrics handler of this registry (give it
// to client.Options.MetricsHandler).
func (m *Metrics) SDKHandler() client.MetricsHandler {
	return &sdkHandler{root: m.sdk}
}

var timerBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

type sdkKind int

const (
	kindCounter sdkKind = iota
	kindGauge
	kindTimer
)

type sdkVec struct {
	kind    sdkKind
	labels  []string
	counter *prometheus.CounterVec
	gauge   *prometheus.GaugeVec
	hist    *prometheus.HistogramVec
}

type sdkRoot struct {
	reg    prometheus.Registerer
	logger *slog.Logger
	mu     sync.Mutex
	vecs   map[string]*sdkVec
	warned map[string]bool
}

type sdkHandler struct {
	root *sdkRoot
	tags map[string]string
}

func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	maps.Copy(merged, h.tags)
	for k, v := range tags {
		merged[sanitize(k)] = v
	}
	return &sdkHandler{root: h.root, tags: merged}
}

func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	v := h.root.vec(name, kindCounter, h.tags)
	if v == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	c := v.counter.WithLabelValues(v.values(h.tags)...)
	return counterFunc(func(d int64) {
		if d >= 0 {
			c.Add(float64(d))
		}
	})
}

func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	v := h.root.vec(name, kindGauge, h.tags)
	if v == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	g := v.gauge.WithLabelValues(v.values(h.tags)...)
	return gaugeFunc(g.Set)
}

func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	v := h.root.vec(name, kindTimer, h.tags)
	if v == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	o := v.hist.WithLabelValues(v.values(h.tags)...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }

func (v *sdkVec) values(tags map[string]string) []string {
	out := make([]string, len(v.labels))
	for i, l := range v.labels {
		out[i] = tags[l]
	}
	return out
}

// vec returns the metric family for name, creating and registering it on
// first use; nil when name cannot be registered (a clash with another type).
func (r *sdkRoot) vec(name string, kind sdkKind, tags map[string]string) *sdkVec {
	name = sanitize(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.vecs[name]; ok {
		if v.kind != kind {
			r.warn(name, errors.New("used as two metric types"))
			return nil
		}
		return v
	}
	v := &sdkVec{kind: kind, labels: slices.Sorted(maps.Keys(tags))}
	help := "Temporal SDK metric " + name + "."
	if strings.HasPrefix(name, Namespace+"_") {
		help = "Switchboard metric emitted through the Temporal SDK: " + name + "."
	}
	var c prometheus.Collector
	switch kind {
	case kindCounter:
		v.counter = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, v.labels)
		c = v.counter
	case kindGauge:
		v.gauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, v.labels)
		c = v.gauge
	default:
		v.hist = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help + " In seconds.", Buckets: timerBuckets}, v.labels)
		c = v.hist
	}
	if err := r.reg.Register(c); err != nil {
		r.warn(name, err)
		return nil
	}
	r.vecs[name] = v
	return v
}

func (r *sdkRoot) warn(name string, err error) {
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	if r.warned[name] || r.logger == nil {
		return
	}
	r.warned[name] = true
	r.logger.Warn("temporal SDK metric dropped", "metric", name, "err", err)
}

var invalidChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

func sanitize(s string) string {
	s = invalidChars.ReplaceAllString(s, "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "_" + s
	}
	return s
}
