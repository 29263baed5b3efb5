package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/workflows"
)

// burst posts signed inbound webhooks as Twilio does: each customer's
// messages one after the other (the next once the previous got its 200),
// customers in parallel; a post that does not get a 200 is retried.
type burst struct {
	s        *stack
	url      string
	accepted atomic.Int64
	refused  atomic.Int64 // non-200 answers and transport errors (retried)
	mu       sync.Mutex
	sent     map[string][]string // customer -> MessageSids in send order
	slowest  time.Duration
	onAnswer func(status int, took time.Duration)
	// onAnswerAt, when set, gets when the request left and when its answer came.
	onAnswerAt func(status int, sent, answered time.Time)
}

func newBurst(s *stack) *burst {
	return &burst{s: s, url: s.apiURL + "/twilio/whatsapp/" + s.account.ID + "/inbound", sent: map[string][]string{}}
}

func (b *burst) post(hc *http.Client, form url.Values) (int, time.Duration) {
	sig := emulator.Sign(authToken, b.url, form)
	req, _ := http.NewRequest(http.MethodPost, b.url, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	start := time.Now()
	resp, err := hc.Do(req)
	took := time.Since(start)
	if err != nil {
		return 0, took
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, took
}

// customer sends n messages in order; it returns an error if one of them
// never got a 200.
func (b *burst) customer(e164 string, n int, pause time.Duration) error {
	hc := &http.Client{Timeout: 20 * time.Second}
	for i := range n {
		sid := newMessageSID()
		form := inboundForm(sid, e164, fmt.Sprintf("message %d", i))
		deadline := time.Now().Add(2 * time.Minute)
		for {
			sent := time.Now()
			st, took := b.post(hc, form)
			if b.onAnswerAt != nil {
				b.onAnswerAt(st, sent, sent.Add(took))
			}
			b.mu.Lock()
			b.slowest = max(b.slowest, took)
			b.mu.Unlock()
			if b.onAnswer != nil {
				b.onAnswer(st, took)
			}
			if st == http.StatusOK {
				break
			}
			b.refused.Add(1)
			if time.Now().After(deadline) {
				return fmt.Errorf("%s message %d: no 200 within 2 minutes (last %d)", e164, i, st)
			}
			time.Sleep(100 * time.Millisecond) // Twilio retries too, later
		}
		b.mu.Lock()
		b.sent[e164] = append(b.sent[e164], sid)
		b.mu.Unlock()
		b.accepted.Add(1)
		if pause > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

func (b *burst) allSIDs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, sids := range b.sent {
		out = append(out, sids...)
	}
	return out
}

// checkExactlyOnceInOrder checks every accepted message is in the
// transcript once, that each conversation's workflow counted each once,
// and that every customer's messages are in the transcript and reached
// the workflow in the order they were sent.
func (b *burst) checkExactlyOnceInOrder(t *testing.T, within time.Duration) {
	t.Helper()
	s := b.s
	sids := b.allSIDs()
	db := s.app.Store.DB()
	var stored, rows int
	eventually(t, within, fmt.Sprintf("all %d accepted messages in the transcript", len(sids)), func() bool {
		err := db.QueryRow(`SELECT count(DISTINCT twilio_sid), count(*) FROM messages WHERE twilio_sid = ANY($1)`,
			pq.Array(sids)).Scan(&stored, &rows)
		return err == nil && stored == len(sids)
	})
	if rows != len(sids) {
		t.Fatalf("%d transcript rows for %d messages", rows, len(sids))
	}
	var inboxRows, pending int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE signalled_at IS NULL) FROM inbound_inbox WHERE message_sid = ANY($1)`,
		pq.Array(sids)).Scan(&inboxRows, &pending); err != nil || inboxRows != len(sids) || pending != 0 {
		t.Fatalf("inbox: %d rows (%d pending) for %d messages (%v)", inboxRows, pending, len(sids), err)
	}

	numberID := s.account.Numbers[0].ID
	ctx := context.Background()
	for customer, want := range b.sent {
		var byTime, byInbox []string
		if err := db.Select(&byTime, `SELECT m.twilio_sid FROM messages m JOIN conversations c ON c.id = m.conversation_id
			WHERE c.customer_e164 = $1 AND m.direction = 'inbound' ORDER BY m.created_at, m.twilio_sid`, customer); err != nil {
			t.Fatal(err)
		}
		if err := db.Select(&byInbox, `SELECT message_sid FROM inbound_inbox WHERE message_sid = ANY($1) ORDER BY id`, pq.Array(want)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(byTime, want) || !slices.Equal(byInbox, want) {
			t.Errorf("%s: transcript order %v, inbox order %v, sent %v", customer, byTime, byInbox, want)
		}
		wfID := workflows.ConversationID(numberID, customer)
		if st := s.state(t, wfID); st.InboundCount != len(want) {
			t.Errorf("%s: the workflow counted %d inbound messages, want %d", customer, st.InboundCount, len(want))
		}
		// The order the workflow received them: first delivery of each SID
		// (the relay may deliver one twice after a timeout; the workflow
		// drops the repeat, as the counts above show).
		signalled, err := signalledSIDs(ctx, s.app.Temporal, s.app.Codec, wfID)
		if err != nil {
			t.Fatal(err)
		}
		var first []string
		for _, sid := range signalled {
			if !slices.Contains(first, sid) {
				first = append(first, sid)
			}
		}
		if !slices.Equal(first, want) {
			t.Errorf("%s: the workflow received %v, sent %v", customer, first, want)
		}
	}
}

// TestTemporalDownDuringABurstDeliversEveryMessageOnceInOrder kills the
// (file-backed) Temporal dev server during a burst of 500 signed inbound
// webhooks (50 customers × 10 messages), restarts it, and checks that every
// message reached its conversation exactly once, in each customer's order.
func TestTemporalDownDuringABurstDeliversEveryMessageOnceInOrder(t *testing.T) {
	const customers, perCustomer = 50, 10
	ctx := context.Background()
	srv, err := startTemporal(ctx, t.TempDir()+"/temporal.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	s := faultStack{temporal: srv.Address}.start(t)
	b := newBurst(s)
	var down atomic.Bool
	var answeredDown atomic.Int64
	b.onAnswer = func(status int, _ time.Duration) {
		if down.Load() && status == http.StatusOK {
			answeredDown.Add(1)
		}
	}

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, customers)
	for c := range customers {
		customer := fmt.Sprintf("+336200%05d", c)
		wg.Go(func() {
			if err := b.customer(customer, perCustomer, 0); err != nil {
				errs <- err
			}
		})
	}

	// Kill Temporal a fifth of the way in; restart it once every customer
	// has had a message accepted while it was down (or after 15 s).
	eventually(t, 60*time.Second, "a fifth of the burst", func() bool { return b.accepted.Load() >= customers*perCustomer/5 })
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	killedAt, atKill := time.Now(), b.accepted.Load()
	eventually(t, 60*time.Second, "messages accepted while Temporal is down", func() bool {
		return answeredDown.Load() >= customers || time.Since(killedAt) > 15*time.Second
	})
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	down.Store(false)
	t.Logf("Temporal killed after %d accepted messages, down %s, %d webhooks answered 200 meanwhile",
		atKill, time.Since(killedAt).Round(time.Millisecond), answeredDown.Load())

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	sent := time.Since(start)
	if answeredDown.Load() == 0 {
		t.Fatal("no webhook was answered while Temporal was down: the fault did not happen")
	}
	b.checkExactlyOnceInOrder(t, 2*time.Minute)
	t.Logf("%d messages sent in %s (%d posts retried, slowest answer %s); all delivered once, in order, %s after the last one",
		b.accepted.Load(), sent.Round(time.Millisecond), b.refused.Load(), b.slowest.Round(time.Millisecond),
		(time.Since(start) - sent).Round(time.Millisecond))
}
