package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// replicaPace is the workers' SWITCHBOARD_TWILIO_RATE_PER_SENDER; the
// emulator refuses (429) above replicaPace+2 in any second: two workers
// pacing each on its own would send at twice the pace.
const replicaPace = 4

// TestReplicasShareTheWorkAndSurviveKills runs the production topology
// with real processes of the production binary: two `serve` behind a load
// balancer, two `worker`, all on one task queue and one database. Customers
// write and an admin replies through the balancer while one worker is
// killed (SIGKILL) and one API stopped (SIGTERM); replacements start; then
// the workers are replaced one at a time by a build whose workflow code
// differs by a patch (a rolling restart with a new build). Every inbound
// message is recorded once, in order; every reply is sent once; no agent
// holds more than its capacity nor is told of one assignment twice; the
// sender's pace holds across both workers; no workflow task fails.
func TestReplicasShareTheWorkAndSurviveKills(t *testing.T) {
	if os.Getenv("SWITCHBOARD_LOAD") == "" {
		t.Skip("the replicas test runs six processes for minutes: `make faults` runs it")
	}
	old, newer := buildBinary(t), buildBinaryWithTags(t, "switchboard_testpatch")
	temporal := startTemporalOnPostgres(t)
	s := faultStack{temporal: temporal, noWorker: true, emulator: emulator.Config{RatePerSender: replicaPace + 2}}.start(t)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	const capacity = 3
	agents := []domain.Agent{s.newAgent("Ada", "available", capacity, queue), s.newAgent("Grace", "available", capacity, queue)}

	lb := newBalancer(t)
	serveEnv := func(addr string) []string {
		return append(s.processEnv(freeAddr(t)), "SWITCHBOARD_HTTP_ADDR="+addr, "SWITCHBOARD_OPS_ADDR="+freeAddr(t),
			"SWITCHBOARD_PUBLIC_BASE_URL="+lb.url())
	}
	workerAddrs := map[string]string{}
	startWorker := func(bin, name string) *proc {
		addr := freeAddr(t)
		workerAddrs[name] = addr
		p := startProc(t, bin, name, append(s.processEnv(addr), "SWITCHBOARD_PUBLIC_BASE_URL="+lb.url(),
			"SWITCHBOARD_TWILIO_RATE_PER_SENDER="+strconv.Itoa(replicaPace)), "worker")
		waitLog(t, p, time.Minute, `"msg":"worker polling"`)
		return p
	}
	startServe := func(name string) (*proc, string) {
		addr := freeAddr(t)
		p := startProc(t, old, name, serveEnv(addr), "serve")
		waitHTTP(t, "http://"+addr+"/readyz", time.Minute)
		return p, "http://" + addr
	}
	serve1, url1 := startServe("serve-1")
	_, url2 := startServe("serve-2")
	lb.set(url1, url2)
	worker1, worker2 := startWorker(old, "worker-1"), startWorker(old, "worker-2")

	b := newBurst(s)
	b.url = lb.url() + "/twilio/whatsapp/" + s.account.ID + "/inbound"
	const customers, perCustomer, repliesEach = 16, 24, 4
	replies := &replyLog{sent: map[string]int{}, explain: func(convID string) string {
		var rows []struct {
			ID, State, WorkflowID string
			Reason                *string `db:"close_reason"`
			Created               time.Time
		}
		_ = s.app.Store.DB().Select(&rows, `SELECT id, state, workflow_id AS workflowid, close_reason, created_at AS created FROM conversations
			WHERE customer_e164 = (SELECT customer_e164 FROM conversations WHERE id = $1) ORDER BY created_at`, convID)
		out := fmt.Sprintf("\nconversations of that customer: %+v", rows)
		if len(rows) > 0 {
			st := s.state(t, rows[0].WorkflowID)
			out += fmt.Sprintf("\nworkflow state: id %s state %s mode %s (%s) window %s inbound %d runs %d", st.ConversationID, st.State, st.Mode, st.ModeReason, st.WindowExpiresAt, st.InboundCount, st.Runs)
		}
		return out
	}}
	var wg sync.WaitGroup
	for c := range customers {
		customer := fmt.Sprintf("+336130%05d", c)
		wg.Go(func() {
			if err := b.customer(customer, perCustomer/2, 300*time.Millisecond); err != nil {
				t.Error(err)
				return
			}
			convID := s.waitConversationOf(t, customer)
			for i := range repliesEach {
				replies.send(t, lb.url(), s.cfg.AdminKey, convID, fmt.Sprintf("reply %s %d", customer, i))
				if err := b.customer(customer, 1, 200*time.Millisecond); err != nil {
					t.Error(err)
					return
				}
			}
			if err := b.customer(customer, perCustomer/2-repliesEach, 300*time.Millisecond); err != nil {
				t.Error(err)
			}
		})
	}

	// Mid-traffic: a worker dies without a word, an API stops cleanly.
	eventually(t, 2*time.Minute, "a third of the traffic", func() bool { return b.accepted.Load() >= customers*perCustomer/3 })
	if err := worker1.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-worker1.done
	serve1.terminate(t, 30*time.Second)
	t.Logf("worker-1 killed and serve-1 stopped with %d messages accepted", b.accepted.Load())
	_, url3 := startServe("serve-3")
	lb.set(url2, url3)
	worker3 := startWorker(old, "worker-3")

	// Rolling restart with the new build, one worker at a time.
	eventually(t, 2*time.Minute, "two thirds of the traffic", func() bool { return b.accepted.Load() >= 2*customers*perCustomer/3 })
	startWorker(newer, "worker-new-1")
	worker2.terminate(t, 30*time.Second)
	startWorker(newer, "worker-new-2")
	worker3.terminate(t, 30*time.Second)
	t.Logf("workers replaced by the new build with %d messages accepted", b.accepted.Load())
	wg.Wait()
	if t.Failed() {
		return
	}

	b.checkExactlyOnceInOrder(t, 3*time.Minute)
	replies.checkSentOnce(t, s.emu, 2*time.Minute)
	checkAssignments(t, s, agents, capacity)
	if n := s.emu.RateLimited(); n > 0 {
		t.Errorf("Twilio refused %d sends over the sender's rate: the workers did not share the pace", n)
	}
	if peak := emulator.PeakPerSecond(s.emu.Messages()); peak > replicaPace+1 {
		t.Errorf("%d sends in one second from two workers, the pace is %d/s", peak, replicaPace)
	}
	if failed, _ := historiesReport(t, s); len(failed) > 0 {
		t.Errorf("workflow tasks failed: %v", failed)
	}
	t.Logf("%d inbound messages, %d replies; the balancer sent %v; %d posts refused and retried",
		len(b.allSIDs()), len(replies.sent), lb.report(), b.refused.Load())
}

// startTemporalOnPostgres starts a Temporal server on PostgreSQL (its own
// pair of databases, dropped at the end), as production runs it, and
// returns its frontend address.
func startTemporalOnPostgres(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	bins, err := devenv.EnsureTemporalServerBinaries(ctx, root, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dsn := storetest.BaseDSN(t)
	db := "sbtest_temporal_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:8]
	start := time.Now()
	srv, err := devenv.StartTemporalServer(ctx, devenv.TemporalServerOptions{Binaries: bins, DSN: dsn, Database: db, Root: root})
	if err != nil {
		_ = devenv.DropDatabase(context.Background(), dsn, db)
		_ = devenv.DropDatabase(context.Background(), dsn, db+"_visibility")
		t.Fatal(err)
	}
	t.Logf("Temporal server on PostgreSQL (%s, %s) at %s, ready in %s", srv.Database, srv.VisibilityDatabase, srv.Address, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
		if err := srv.DropDatabases(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return srv.Address
}

// waitConversationOf waits for the customer's open conversation's id.
func (s *stack) waitConversationOf(t *testing.T, customer string) string {
	t.Helper()
	var id string
	eventually(t, time.Minute, "the conversation of "+customer, func() bool {
		return s.app.Store.DB().QueryRow(`SELECT id FROM conversations WHERE customer_e164 = $1 AND state <> 'closed' ORDER BY created_at DESC LIMIT 1`,
			customer).Scan(&id) == nil
	})
	return id
}

// replyLog is the admin's replies: each sent with an Idempotency-Key and
// retried with it until the API answers 201 or 202.
type replyLog struct {
	mu   sync.Mutex
	sent map[string]int // body → API calls that created it (always 1)
	// explain describes a conversation when a reply is refused.
	explain func(convID string) string
}

func (r *replyLog) send(t *testing.T, base, adminKey, convID, text string) {
	key := uuid.NewString()
	hc := &http.Client{Timeout: 30 * time.Second}
	body, _ := json.Marshal(map[string]any{"text": text})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/conversations/"+convID+"/messages", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := hc.Do(req)
		last := fmt.Sprint(err)
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = fmt.Sprintf("%d %s", resp.StatusCode, raw)
			if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusAccepted {
				r.mu.Lock()
				r.sent[text]++
				r.mu.Unlock()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("reply %q: no 201/202 within 2 minutes (last answer: %s)%s", text, last, r.explain(convID))
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkSentOnce: Twilio received each reply exactly once.
func (r *replyLog) checkSentOnce(t *testing.T, emu *emulator.Emulator, within time.Duration) {
	t.Helper()
	count := func() map[string]int {
		got := map[string]int{}
		for _, m := range emu.Messages() {
			if _, ours := r.sent[m.Body]; ours {
				got[m.Body]++
			}
		}
		return got
	}
	eventually(t, within, fmt.Sprintf("all %d replies at Twilio", len(r.sent)), func() bool { return len(count()) == len(r.sent) })
	for body, n := range count() {
		if n != 1 {
			t.Errorf("reply %q reached Twilio %d times", body, n)
		}
	}
}

// checkAssignments: no agent holds more than its capacity, each
// conversation the workflow assigned is the database's too, and no agent
// was told of one assignment twice.
func checkAssignments(t *testing.T, s *stack, agents []domain.Agent, capacity int) {
	t.Helper()
	db := s.app.Store.DB()
	for _, a := range agents {
		var held int
		if err := db.QueryRow(`SELECT count(*) FROM conversations WHERE agent_id = $1 AND holds_capacity`, a.ID).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held > capacity {
			t.Errorf("agent %s holds %d conversations, capacity %d", a.Name, held, capacity)
		}
		var doubled []string
		if err := db.Select(&doubled, `SELECT conversation_id FROM agent_events WHERE agent_id = $1 AND type = $2
			GROUP BY 1 HAVING count(*) > 1`, a.ID, domain.EventAssignment); err != nil {
			t.Fatal(err)
		}
		if len(doubled) > 0 {
			t.Errorf("agent %s was told twice of the assignment of %v", a.Name, doubled)
		}
	}
	var rows []struct {
		WorkflowID string  `db:"workflow_id"`
		AgentID    *string `db:"agent_id"`
	}
	if err := db.Select(&rows, `SELECT workflow_id, agent_id FROM conversations WHERE state <> 'closed'`); err != nil {
		t.Fatal(err)
	}
	assigned := 0
	for _, r := range rows {
		st := s.state(t, r.WorkflowID)
		if (r.AgentID == nil) != (st.AgentID == "") || (r.AgentID != nil && *r.AgentID != st.AgentID) {
			t.Errorf("%s: the database says agent %v, the workflow %q", r.WorkflowID, r.AgentID, st.AgentID)
		}
		if st.AgentID != "" {
			assigned++
		}
	}
	if want := min(len(rows), capacity*len(agents)); assigned != want {
		t.Errorf("%d conversations assigned, want %d (%d open, %d agents of capacity %d)", assigned, want, len(rows), len(agents), capacity)
	}
}

// balancer is the load balancer in front of the `serve` processes: round
// robin, and the next backend when one refuses the connection (a stopped
// process), as a health-checking balancer would.
type balancer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	backends []string
	served   map[string]int
	next     atomic.Int64
}

func newBalancer(t *testing.T) *balancer {
	b := &balancer{served: map[string]int{}}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serveHTTP))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *balancer) url() string { return b.srv.URL }

func (b *balancer) set(backends ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = backends
}

func (b *balancer) report() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.served)
}

var balancerClient = &http.Client{Timeout: 60 * time.Second}

func (b *balancer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	backends := slices.Clone(b.backends)
	b.mu.Unlock()
	start := int(b.next.Add(1))
	for i := range backends {
		backend := backends[(start+i)%len(backends)]
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, backend+r.URL.RequestURI(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := balancerClient.Do(req)
		if err != nil {
			continue // refused: the next backend
		}
		b.mu.Lock()
		b.served[backend]++
		b.mu.Unlock()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "no backend answered", http.StatusBadGateway)
}
