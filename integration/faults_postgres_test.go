package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/health"
)

// privatePostgres starts a PostgreSQL cluster of the test's own (never the
// machine's shared server: this test stops it) and returns it with the DSN
// of a fresh database on it.
func privatePostgres(t *testing.T) (*devenv.PrivatePostgres, string) {
	t.Helper()
	ctx := context.Background()
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	pg, err := devenv.StartPrivatePostgres(ctx, t.TempDir(), out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := devenv.CreateDatabase(ctx, pg.DSN(), "switchboard"); err != nil {
		t.Fatal(err)
	}
	dsn, err := devenv.WithDatabase(pg.DSN(), "switchboard")
	if err != nil {
		t.Fatal(err)
	}
	// synchronous_commit stays on: with it off, a crash loses commits that
	// already answered Twilio 200 (this test saw it: 3 inbox rows of 250).
	return pg, dsn
}

// crashPhases stamps a PostgreSQL crash and restart and classifies webhook
// answers by when their request left and when the answer came back.
type crashPhases struct {
	mu                                  sync.Mutex
	crashBegan, crashDone, restartBegan time.Time
	answers                             []stampedAnswer
}

type stampedAnswer struct {
	status         int
	sent, answered time.Time
}

func (p *crashPhases) mark(at *time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*at = time.Now()
}

func (p *crashPhases) record(status int, sent, answered time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers = append(p.answers, stampedAnswer{status, sent, answered})
}

// whileDown counts, by status, the answers that came back between the
// crash and the restart.
func (p *crashPhases) whileDown() map[int]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[int]int{}
	for _, a := range p.answers {
		if !p.crashDone.IsZero() && a.answered.After(p.crashDone) && (p.restartBegan.IsZero() || a.answered.Before(p.restartBegan)) {
			out[a.status]++
		}
	}
	return out
}

// impossibleOKs counts the 200s that could only come from a row that was
// never committed: sent after the crash completed, answered before the
// restart began.
func (p *crashPhases) impossibleOKs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, a := range p.answers {
		if a.status == http.StatusOK && a.sent.After(p.crashDone) && a.answered.Before(p.restartBegan) {
			n++
		}
	}
	return n
}

// TestPostgresRestartDuringTrafficLosesNothing crashes PostgreSQL
// (immediate stop) while customers write, keeps them writing while it is
// down, then starts it again. While it is down, webhooks answer 5xx (never
// a 200: Twilio keeps retrying) and /readyz names postgres; once it is back
// the same processes, untouched, take traffic again, and every message that
// got a 200 is in the transcript once, in order.
func TestPostgresRestartDuringTrafficLosesNothing(t *testing.T) {
	pg, dsn := privatePostgres(t)
	s := faultStack{temporal: temporalAddr, dsn: dsn}.start(t)
	b := newBurst(s)
	// Every answer is stamped with when its request left and when the answer
	// came back: a 200 is a loss only if its request left after the crash
	// had completed and its answer came before PostgreSQL was started again
	// (nothing can commit then). Answers to requests sent before the crash,
	// and answers that came once the restart had begun, are legitimate and
	// are checked in the transcript like every other.
	var phases crashPhases
	b.onAnswerAt = phases.record
	const customers, perCustomer = 10, 25
	var wg sync.WaitGroup
	errs := make(chan error, customers)
	for c := range customers {
		customer := fmt.Sprintf("+336300%05d", c)
		wg.Go(func() {
			if err := b.customer(customer, perCustomer, 50*time.Millisecond); err != nil {
				errs <- err
			}
		})
	}

	eventually(t, 60*time.Second, "traffic to flow", func() bool { return b.accepted.Load() >= customers*perCustomer/4 })
	phases.mark(&phases.crashBegan)
	if err := pg.Stop(true); err != nil {
		t.Fatal(err)
	}
	phases.mark(&phases.crashDone)
	stoppedAt, atStop := time.Now(), b.accepted.Load()
	eventually(t, 30*time.Second, "webhooks refused while PostgreSQL is down", func() bool {
		return phases.whileDown()[http.StatusServiceUnavailable] >= 2*customers
	})
	resp := s.getFrom(t, s.opsURL, "/readyz", nil) // the detailed one
	var rep health.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || rep.Checks["postgres"].Status != "fail" {
		t.Errorf("/readyz with PostgreSQL down: %d %+v", resp.StatusCode, rep)
	}
	phases.mark(&phases.restartBegan)
	if err := pg.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	downFor := time.Since(stoppedAt)
	got := phases.whileDown()
	for status, n := range got {
		if status != http.StatusServiceUnavailable && status != http.StatusOK {
			t.Errorf("%d webhooks answered %d while PostgreSQL was down, want 503", n, status)
		}
	}
	if n := phases.impossibleOKs(); n > 0 {
		t.Errorf("%d webhooks sent after the crash answered 200 before PostgreSQL was started again", n)
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Even after a failure above: whether every 200 is in the transcript is
	// what tells a loss from a miscount.
	b.checkExactlyOnceInOrder(t, 2*time.Minute)
	waitHTTP(t, s.apiURL+"/readyz", 30*time.Second)
	t.Logf("PostgreSQL crashed after %d accepted messages and was down %s; answers meanwhile: %v; "+
		"all %d accepted messages stored once, in order, without restarting anything",
		atStop, downFor.Round(time.Millisecond), got, b.accepted.Load())
}

// TestPostgresOutageLongerThanTheLocalActivityBudget: PostgreSQL goes down
// right after messages were handed to their workflows and stays down 15 s,
// longer than a local activity's StartToClose. The workflow's durable writes
// (RecordInbound, SaveConversation, CreateOutbound, MarkSendFailed) have a
// long ScheduleToClose budget, so the workflow waits for the database and
// every message is recorded (docs/reliability.md, G1, fixed).
func TestPostgresOutageLongerThanTheLocalActivityBudget(t *testing.T) {
	pg, dsn := privatePostgres(t)
	s := faultStack{temporal: temporalAddr, dsn: dsn}.start(t)
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	for c := range 5 {
		if st := s.postWebhook(path, inboundForm(newMessageSID(), fmt.Sprintf("+3364000000%d", c), "x"), authToken, ""); st != http.StatusOK {
			t.Fatalf("inbound: %d", st)
		}
	}
	if err := pg.Stop(true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(15 * time.Second)
	if err := pg.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the 5 accepted messages in the transcript", func() bool {
		var n int
		err := s.app.Store.DB().QueryRow(`SELECT count(*) FROM messages WHERE direction = 'inbound'`).Scan(&n)
		return err == nil && n == 5
	})
}
