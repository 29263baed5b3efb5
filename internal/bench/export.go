package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"
)

// ExportResult is phase 8: the NDJSON export of closed conversations.
type ExportResult struct {
	Conversations     int     `json:"conversations"`
	Messages          int     `json:"messages"`
	SeedSeconds       float64 `json:"seed_seconds"`
	ExportSeconds     float64 `json:"export_seconds"`
	Bytes             int64   `json:"bytes"`
	Lines             int     `json:"lines"`
	HeapBefore        uint64  `json:"heap_inuse_before_bytes"`
	HeapPeak          uint64  `json:"heap_inuse_peak_bytes"`
	RSSBefore         int64   `json:"rss_before_bytes"`
	RSSPeak           int64   `json:"rss_peak_bytes"`
	MessagesPerSecond float64 `json:"messages_per_second"`
}

// exportPerConversation is how many messages each seeded conversation has.
const exportPerConversation = 100

// exportHeapTarget is the bound the export's memory must stay under,
// whatever its size: what one page of conversations and a few buffers take.
const exportHeapTarget = 64 << 20

// runExport seeds closed conversations and their messages straight into
// PostgreSQL (no workflow: the export reads only the database), then
// streams GET /api/v1/exports/conversations from the in-process API while
// sampling the process's Go heap and RSS: the peak must not grow with the
// number of messages.
func (e *env) runExport(ctx context.Context) error {
	s, err := e.newStack(ctx, stackConfig{name: "export", temporal: e.temporalAddress()})
	if err != nil {
		return err
	}
	defer s.Close()
	res := ExportResult{Messages: e.opts.ExportMessages}
	res.Conversations = max(1, res.Messages/exportPerConversation)
	from := time.Now().Add(-3 * time.Hour).UTC()
	start := time.Now()
	if err := e.seedExport(ctx, s, res.Conversations, res.Messages); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	res.SeedSeconds = time.Since(start).Seconds()
	e.progressf(PhaseExport, "seeded %d conversations, %d messages in %.1fs", res.Conversations, res.Messages, res.SeedSeconds)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapBefore, res.RSSBefore = ms.HeapInuse, rssBytes(0)
	res.HeapPeak, res.RSSPeak = res.HeapBefore, res.RSSBefore
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				res.HeapPeak = max(res.HeapPeak, ms.HeapInuse)
				res.RSSPeak = max(res.RSSPeak, rssBytes(0))
			}
		}
	}()
	start = time.Now()
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}
	res.Lines, res.Bytes, err = s.readExport(ctx, "/api/v1/exports/conversations?"+q.Encode())
	res.ExportSeconds = time.Since(start).Seconds()
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	if res.Lines != res.Conversations {
		return fmt.Errorf("the export has %d lines, want %d conversations", res.Lines, res.Conversations)
	}
	res.MessagesPerSecond = float64(res.Messages) / res.ExportSeconds
	e.setPhase(PhaseExport, res)
	growth := int64(res.HeapPeak) - int64(res.HeapBefore)
	e.addRows(Row{
		ID: "8 export", Measure: fmt.Sprintf("NDJSON export of %d messages: peak Go heap growth", res.Messages),
		Result: fmtBytes(max(growth, 0)), Target: "≤ " + fmtBytes(exportHeapTarget) + ", whatever the size", Verdict: verdict(growth <= exportHeapTarget),
		Note: fmt.Sprintf("%d conversations, %s of NDJSON in %.1fs (%.0f messages/s); RSS %s before, %s at peak (API and reading client in one process); seeded straight into PostgreSQL in %.1fs",
			res.Conversations, fmtBytes(res.Bytes), res.ExportSeconds, res.MessagesPerSecond, fmtBytes(res.RSSBefore), fmtBytes(res.RSSPeak), res.SeedSeconds),
	})
	return nil
}

// seedExport writes closed conversations with their messages in batches
// of conversations, one INSERT ... SELECT each.
func (e *env) seedExport(ctx context.Context, s *stack, conversations, messages int) error {
	db := s.app.Store.DB()
	const batch = 1000
	per := max(1, messages/conversations)
	for first := 0; first < conversations; first += batch {
		n := min(batch, conversations-first)
		_, err := db.ExecContext(ctx, `
			WITH ct AS (
				INSERT INTO contacts (id, e164)
				SELECT gen_random_uuid(), '+4479' || lpad((($3::int + i))::text, 8, '0') FROM generate_series(1, $4::int) i
				RETURNING id, e164
			), conv AS (
				INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, state, mode,
					created_at, closed_at, close_reason)
				SELECT gen_random_uuid(), 'bench-export:' || ct.e164, $1, $2, ct.id, ct.e164, 'closed', 'session',
					now() - interval '2 hours', now() - interval '1 hour', 'bench'
				FROM ct RETURNING id, created_at
			)
			INSERT INTO messages (id, conversation_id, direction, author, body, status, created_at)
			SELECT gen_random_uuid(), conv.id, CASE WHEN j % 2 = 0 THEN 'outbound' ELSE 'inbound' END,
				CASE WHEN j % 2 = 0 THEN 'system' ELSE 'customer' END,
				'Message ' || j || ' of a seeded conversation, about as long as a real one.',
				CASE WHEN j % 2 = 0 THEN 'delivered' ELSE 'received' END, conv.created_at + j * interval '1 second'
			FROM conv CROSS JOIN generate_series(1, $5::int) j`,
			s.accountID, s.numberID, first, n, per)
		if err != nil {
			return err
		}
		if (first/batch)%10 == 9 {
			e.progressf(PhaseExport, "seeded %d of %d conversations", first+n, conversations)
		}
	}
	_, err := db.ExecContext(ctx, `ANALYZE conversations; ANALYZE messages`)
	return err
}

// readExport reads an NDJSON stream line by line and counts it.
func (s *stack) readExport(ctx context.Context, path string) (lines int, size int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.apiURL+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.cfg.AdminKey)
	client := &http.Client{Timeout: 30 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("export: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		lines++
		size += int64(len(sc.Bytes())) + 1
	}
	return lines, size, sc.Err()
}
