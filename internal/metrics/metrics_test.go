package metrics

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/twilio"
)

func TestSDKHandler(t *testing.T) {
	m := New(nil)
	h := m.SDKHandler().WithTags(map[string]string{"namespace": "default", "task_queue": "q"})
	h.Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"operation": "ignored"}).Counter("temporal_request").Inc(1) // extra tag dropped
	h.Gauge("temporal_worker_task_slots_available").Update(7)
	h.Timer("temporal_request_latency").Record(250 * time.Millisecond)
	// A workflow's counter: the SDK's tags are dropped, reason kept.
	h.WithTags(map[string]string{"workflow_type": "Conversation", "reason": "window_expired"}).Counter(domain.WindowExpiriesMetric).Inc(1)
	// A clash of types is dropped, not a panic.
	h.Gauge("temporal_request").Update(1)

	if got := testutil.ToFloat64(m.sdk.vecs["temporal_request"].counter.WithLabelValues("default", "q")); got != 3 {
		t.Errorf("temporal_request = %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.sdk.vecs[domain.WindowExpiriesMetric].counter.WithLabelValues("window_expired")); got != 1 {
		t.Errorf("window expiries = %v, want 1", got)
	}
	names := gathered(t, m)
	for _, want := range []string{"temporal_request", "temporal_worker_task_slots_available", "temporal_request_latency",
		domain.WindowExpiriesMetric, "go_goroutines", "process_cpu_seconds_total"} {
		if !names[want] {
			t.Errorf("%s not gathered", want)
		}
	}
}

type fakeSender struct {
	res twilio.SendResult
	err error
}

func (f fakeSender) Send(context.Context, twilio.SendRequest) (twilio.SendResult, error) {
	return f.res, f.err
}

func TestInstrumentSender(t *testing.T) {
	m := New(nil)
	for _, f := range []fakeSender{
		{res: twilio.SendResult{SID: "SM1"}},
		{err: &twilio.Error{Kind: twilio.WindowClosed, HTTPStatus: 400, Code: 63016}},
		{err: &twilio.Error{Kind: twilio.Retryable, HTTPStatus: 503}},
		{err: &twilio.Error{Kind: twilio.Final, HTTPStatus: 400, Code: 21211}},
		{res: twilio.SendResult{SID: "SM2"}, err: &twilio.Error{Kind: twilio.Final, Code: 30008}},
	} {
		_, _ = m.InstrumentSender(f).Send(context.Background(), twilio.SendRequest{})
	}
	for _, c := range [][2]string{{"accepted", ""}, {"window_closed", "63016"}, {"retryable", "http_503"}, {"refused", "21211"}, {"failed", "30008"}} {
		if got := testutil.ToFloat64(m.TwilioSends.WithLabelValues(c[0], c[1])); got != 1 {
			t.Errorf("twilio sends %v = %v, want 1", c, got)
		}
	}
	if n := testutil.CollectAndCount(m.TwilioSendDuration); n != 5 {
		t.Errorf("%d duration series, want 5", n)
	}
}

func TestDBCollectorCachesAndReports(t *testing.T) {
	m := New(nil)
	calls := 0
	fail := false
	c := NewDBCollector(func(context.Context) (store.OpsSnapshot, error) {
		calls++
		if fail {
			return store.OpsSnapshot{}, errors.New("db down")
		}
		return store.OpsSnapshot{
			InboxBacklog: 3, InboxOldestAge: 90 * time.Second,
			Conversations: []store.StateModeCount{{State: "queued", Mode: "session", Count: 2}},
			Queues:        []store.QueueStat{{QueueID: "q1", Name: "Support", Length: 2, OldestWait: time.Minute}},
		}, nil
	}, time.Second, nil)
	m.Registry.MustRegister(c)
	out := scrape(t, m)
	for _, want := range []string{
		"switchboard_inbox_backlog 3", "switchboard_inbox_oldest_age_seconds 90",
		`switchboard_conversations{mode="session",state="queued"} 2`,
		`switchboard_queue_length{queue="Support",queue_id="q1"} 2`,
		`switchboard_queue_oldest_wait_seconds{queue="Support",queue_id="q1"} 60`,
		"switchboard_db_stats_up 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	scrape(t, m)
	if calls != 1 {
		t.Errorf("%d reads for two scrapes within the TTL, want 1", calls)
	}
	fail = true
	c.at = time.Now().Add(-time.Minute)
	if out := scrape(t, m); !strings.Contains(out, "switchboard_db_stats_up 0") || !strings.Contains(out, "switchboard_inbox_backlog 3") {
		t.Errorf("after a failed read: %s", out)
	}
}

func gathered(t *testing.T, m *Metrics) map[string]bool {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fams {
		names[f.GetName()] = true
	}
	return names
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	var b strings.Builder
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		for _, mm := range f.GetMetric() {
			b.WriteString(f.GetName())
			if len(mm.GetLabel()) > 0 {
				b.WriteString("{")
				for i, l := range mm.GetLabel() {
					if i > 0 {
						b.WriteString(",")
					}
					b.WriteString(l.GetName() + `="` + l.GetValue() + `"`)
				}
				b.WriteString("}")
			}
			v := mm.GetGauge().GetValue() + mm.GetCounter().GetValue()
			b.WriteString(" " + strconv.FormatFloat(v, 'g', -1, 64) + "\n")
		}
	}
	return b.String()
}
