package integration

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"
)

// loadEnv turns the load test on (`make faults` sets it); it takes over a
// minute and measures the machine, so `make test` skips it. Its value can
// be "rate:seconds:customers" (default 200:60:1000).
const loadEnv = "SWITCHBOARD_LOAD"

// TestLoadInboundWebhooks sends 200 signed inbound webhooks a second for
// 60 s from 1,000 customers (each writes every 5 s, in order), through the
// whole stack: no error (every webhook answers 200) and no loss (every
// message in the transcript once, in each customer's order). It reports
// the webhook latency (p50/p90/p99/max) and how long the transcript took
// to catch up; no latency is asserted.
func TestLoadInboundWebhooks(t *testing.T) {
	spec := os.Getenv(loadEnv)
	if spec == "" {
		t.Skip("load test: run `make faults` (or set " + loadEnv + "=1)")
	}
	rate, seconds, customers := 200, 60, 1000
	if spec != "1" {
		if _, err := fmt.Sscanf(spec, "%d:%d:%d", &rate, &seconds, &customers); err != nil {
			t.Fatalf("%s=%q: want rate:seconds:customers", loadEnv, spec)
		}
	}
	// Errors only: at this rate the stack's warnings would drown the numbers.
	s := faultStack{temporal: temporalAddr, logger: slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))}.start(t)
	b := newBurst(s)
	period := time.Duration(customers) * time.Second / time.Duration(rate) // between two messages of a customer
	perCustomer := seconds * rate / customers
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: customers, MaxConnsPerHost: 0}}

	var mu sync.Mutex
	latencies := make([]time.Duration, 0, rate*seconds)
	var failures atomic.Int64
	var firstErr atomic.Value
	start := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for c := range customers {
		customer := "+3368" + fmt.Sprintf("%08d", c)
		offset := time.Duration(c) * period / time.Duration(customers)
		wg.Go(func() {
			for k := range perCustomer {
				time.Sleep(time.Until(start.Add(offset + time.Duration(k)*period)))
				sid := newMessageSID()
				st, took := b.post(hc, inboundForm(sid, customer, "message "+strconv.Itoa(k)))
				mu.Lock()
				latencies = append(latencies, took)
				mu.Unlock()
				if st != http.StatusOK {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s message %d: status %d after %s", customer, k, st, took))
					continue
				}
				b.mu.Lock()
				b.sent[customer] = append(b.sent[customer], sid)
				b.mu.Unlock()
				b.accepted.Add(1)
			}
		})
	}
	wg.Wait()
	sending := time.Since(start)
	total := len(latencies)

	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	t.Logf("sent %d webhooks in %s (%.0f/s over %d customers): p50 %s, p90 %s, p99 %s, max %s",
		total, sending.Round(time.Millisecond), float64(total)/sending.Seconds(), customers,
		pct(0.50).Round(100*time.Microsecond), pct(0.90).Round(100*time.Microsecond),
		pct(0.99).Round(100*time.Microsecond), latencies[len(latencies)-1].Round(time.Millisecond))
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d of %d webhooks did not answer 200; first: %v", n, total, firstErr.Load())
	}

	// No loss: the transcript catches up with every message, once, in order.
	sids := b.allSIDs()
	caught := time.Now()
	var stored int
	eventually(t, 20*time.Minute, "every message in the transcript", func() bool {
		err := s.app.Store.DB().QueryRow(`SELECT count(DISTINCT twilio_sid) FROM messages WHERE twilio_sid = ANY($1)`, pq.Array(sids)).Scan(&stored)
		return err == nil && stored == len(sids)
	})
	t.Logf("the transcript had all %d messages %s after the last webhook", len(sids), time.Since(caught).Round(time.Millisecond))
	var rows, conversations, misordered int
	if err := s.app.Store.DB().QueryRow(`
		SELECT count(*), count(DISTINCT conversation_id),
		       count(*) FILTER (WHERE body <> 'message ' || (n - 1))
		FROM (SELECT conversation_id, body, row_number() OVER (PARTITION BY conversation_id ORDER BY created_at) AS n
		      FROM messages WHERE twilio_sid = ANY($1)) m`, pq.Array(sids)).Scan(&rows, &conversations, &misordered); err != nil {
		t.Fatal(err)
	}
	if rows != len(sids) || conversations != customers || misordered != 0 {
		t.Fatalf("%d rows for %d messages, %d conversations for %d customers, %d out of order", rows, len(sids), conversations, customers, misordered)
	}
}
