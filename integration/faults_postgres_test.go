package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
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

// answers counts webhook answers by status.
type answers struct {
	mu sync.Mutex
	n  map[int]int
}

func (a *answers) add(status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[int]int{}
	}
	a.n[status]++
}

func (a *answers) snapshot() map[int]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[int]int{}
	for k, v := range a.n {
		out[k] = v
	}
	return out
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
	var down atomic.Bool
	var whileDown answers
	b.onAnswer = func(status int, _ time.Duration) {
		if down.Load() {
			whileDown.add(status)
		}
	}
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
	if err := pg.Stop(true); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	stoppedAt, atStop := time.Now(), b.accepted.Load()
	eventually(t, 30*time.Second, "webhooks refused while PostgreSQL is down", func() bool {
		return whileDown.snapshot()[http.StatusServiceUnavailable] >= 2*customers
	})
	resp := s.get(t, "/readyz", nil)
	var rep health.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || rep.Checks["postgres"].Status != "fail" {
		t.Errorf("/readyz with PostgreSQL down: %d %+v", resp.StatusCode, rep)
	}
	if err := pg.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	down.Store(false)
	downFor := time.Since(stoppedAt)
	// No 200 while it was down (a request that stored its row just before
	// the crash may have answered 200 as it went down: the checks below
	// find it in the transcript like every other).
	got := whileDown.snapshot()
	for status, n := range got {
		if status != http.StatusServiceUnavailable && status != http.StatusOK {
			t.Errorf("%d webhooks answered %d while PostgreSQL was down, want 503", n, status)
		}
	}
	if got[http.StatusOK] > customers {
		t.Errorf("%d webhooks answered 200 while PostgreSQL was down", got[http.StatusOK])
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
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
