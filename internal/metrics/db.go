package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/internal/store"
)

// SnapshotFunc reads the PostgreSQL-backed figures (store.OpsSnapshot).
type SnapshotFunc func(ctx context.Context) (store.OpsSnapshot, error)

// DBCollector exposes the inbox backlog, open conversations by state and
// mode, and the queues, read from PostgreSQL when Prometheus scrapes, at
// most once per TTL (scrapes in between see the cached figures).
type DBCollector struct {
	read    SnapshotFunc
	ttl     time.Duration
	timeout time.Duration
	logger  *slog.Logger

	mu      sync.Mutex
	at      time.Time
	snap    store.OpsSnapshot
	lastErr error

	backlog, oldest, conversations, queueLen, queueWait, up *prometheus.Desc
}

// NewDBCollector returns a collector; ttl under 5 s is raised to 5 s.
func NewDBCollector(read SnapshotFunc, ttl time.Duration, logger *slog.Logger) *DBCollector {
	if ttl < 5*time.Second {
		ttl = 5 * time.Second
	}
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
	}
	return &DBCollector{
		read: read, ttl: ttl, timeout: 3 * time.Second, logger: logger,
		backlog:       d("inbox_backlog", "Inbound messages stored but not yet handed to Temporal."),
		oldest:        d("inbox_oldest_age_seconds", "Age of the oldest inbound message waiting for Temporal (0 when none)."),
		conversations: d("conversations", "Open (not closed) conversations by state and mode.", "state", "mode"),
		queueLen:      d("queue_length", "Conversations waiting in a queue (state queued).", "queue_id", "queue"),
		queueWait:     d("queue_oldest_wait_seconds", "How long the oldest conversation of a queue has waited.", "queue_id", "queue"),
		up:            d("db_stats_up", "1 when the last read of the PostgreSQL-backed gauges succeeded."),
	}
}

// Describe implements prometheus.Collector.
func (c *DBCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.backlog, c.oldest, c.conversations, c.queueLen, c.queueWait, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *DBCollector) Collect(ch chan<- prometheus.Metric) {
	snap, err := c.snapshot()
	up := 1.0
	if err != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
	if err != nil && snap.InboxBacklog == 0 && len(snap.Conversations) == 0 && len(snap.Queues) == 0 {
		return // nothing ever read: no figures rather than false zeros
	}
	ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, float64(snap.InboxBacklog))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, snap.InboxOldestAge.Seconds())
	for _, s := range snap.Conversations {
		ch <- prometheus.MustNewConstMetric(c.conversations, prometheus.GaugeValue, float64(s.Count), s.State, s.Mode)
	}
	for _, q := range snap.Queues {
		ch <- prometheus.MustNewConstMetric(c.queueLen, prometheus.GaugeValue, float64(q.Length), q.QueueID, q.Name)
		ch <- prometheus.MustNewConstMetric(c.queueWait, prometheus.GaugeValue, q.OldestWait.Seconds(), q.QueueID, q.Name)
	}
}

// snapshot returns the cached figures, reading them again once stale. A
// failed read keeps the last good figures and reports the error.
func (c *DBCollector) snapshot() (store.OpsSnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < c.ttl {
		return c.snap, c.lastErr
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	snap, err := c.read(ctx)
	c.at = time.Now()
	c.lastErr = err
	if err != nil {
		if c.logger != nil {
			c.logger.Warn("metrics: reading the PostgreSQL gauges failed", "err", err)
		}
		return c.snap, err
	}
	c.snap = snap
	return snap, nil
}
