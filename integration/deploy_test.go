package integration

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/workflows"
)

// deployCustomers write all through the test, a message every pause.
const deployCustomers = 8

// TestRollingDeployOldAndNewBuildsSideBySide runs two builds of the worker
// on one task queue while customers keep writing: the normal build, and
// one whose workflow code differs by a patch (the switchboard_testpatch
// tag: a timer before each burst of messages is recorded, which the normal
// build cannot replay). The sequence is a rolling deploy with a crash in
// the middle: old alone; new joins; new is killed (SIGKILL), so the old
// build takes over histories the new one wrote; new comes back; old leaves
// (SIGTERM); new switches its patch on once the old build no longer polls.
// No workflow task fails, no conversation is stuck, every message is
// recorded once, in order.
//
// The control: a new build that records its patch at once (patches "on"),
// then an old build beside it and the new one killed (a rollback, or a
// straggler): the old build fails the tasks of the histories the new one
// wrote. That is what the patch gate prevents during a rolling deploy.
func TestRollingDeployOldAndNewBuildsSideBySide(t *testing.T) {
	if os.Getenv("SWITCHBOARD_LOAD") == "" {
		t.Skip("the rolling-deploy test builds the binary twice and waits for Temporal's poller list: `make faults` runs it")
	}
	old, newer := buildBinary(t), buildBinaryWithTags(t, "switchboard_testpatch")
	// The normal build knows every patch of workflows.Patches; the test
	// build one more. Derived, not written down: each new patch moves both.
	oldLevel := fmt.Sprintf(`"patches_active":%d`, len(workflows.Patches))
	newLevel := fmt.Sprintf(`"active":%d`, len(workflows.Patches)+1)

	t.Run("gated", func(t *testing.T) {
		s := faultStack{temporal: temporalAddr, noWorker: true}.start(t)
		s.workstreamWith(domain.DistributionPush, nil)
		traffic := startDeployTraffic(t, s)
		w1 := startProc(t, old, "worker-old", s.processEnv(freeAddr(t)), "worker")
		waitLog(t, w1, time.Minute, `"msg":"worker polling"`)
		traffic.waitRecorded(t, s, 20)
		w2 := startProc(t, newer, "worker-new", s.processEnv(freeAddr(t)), "worker")
		waitLog(t, w2, 60*time.Second, `"msg":"worker polling"`, oldLevel)
		// New customers now: some of their conversations start on the new
		// build, which writes their histories with its patch dormant; the
		// kill below hands them to the old build.
		traffic.newCustomers(t, "+3361250")
		traffic.waitRecorded(t, s, traffic.accepted()+40)
		if err := w2.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-w2.done
		traffic.waitAccepted(t, traffic.accepted()+20)
		w3 := startProc(t, newer, "worker-new-again", s.processEnv(freeAddr(t)), "worker")
		waitLog(t, w3, time.Minute, `"msg":"worker polling"`, oldLevel)
		traffic.waitAccepted(t, traffic.accepted()+20)
		w1.terminate(t, 30*time.Second)
		switched := time.Now()
		waitLog(t, w3, 3*time.Minute, `"msg":"workflow patches switched"`, newLevel)
		t.Logf("the new build switched its patch on %s after the old build left", time.Since(switched).Round(time.Second))
		// Customers who start now get the patch at its new version.
		traffic.newCustomers(t, "+3361300")
		traffic.waitAccepted(t, traffic.accepted()+30)
		traffic.stop()
		traffic.b.checkExactlyOnceInOrder(t, 4*time.Minute)

		failed, patched := historiesReport(t, s)
		if len(failed) > 0 {
			t.Errorf("workflow tasks failed during the rolling deploy: %v", failed)
		}
		if patched == 0 {
			t.Error("no conversation ran the new build's patch after the switch")
		}
		t.Logf("%d conversations, %d messages, %d runs with the patch at its new version; no workflow task failed",
			len(traffic.b.sent), len(traffic.b.allSIDs()), patched)
	})

	t.Run("control: patch switched on beside an old build", func(t *testing.T) {
		s := faultStack{temporal: temporalAddr, noWorker: true}.start(t)
		s.workstreamWith(domain.DistributionPush, nil)
		traffic := startDeployTraffic(t, s)
		// The new build first, alone, with its patch forced on: it writes
		// the histories; then the old build joins and the new one dies.
		env := append(s.processEnv(freeAddr(t)), "SWITCHBOARD_WORKFLOW_PATCHES=on")
		w2 := startProc(t, newer, "worker-new", env, "worker")
		waitLog(t, w2, time.Minute, `"msg":"worker polling"`)
		traffic.waitRecorded(t, s, 40)
		w1 := startProc(t, old, "worker-old", s.processEnv(freeAddr(t)), "worker")
		waitLog(t, w1, time.Minute, `"msg":"worker polling"`)
		if err := w2.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-w2.done
		var failed []string
		eventually(t, time.Minute, "the old build to fail a task of a history the new one wrote", func() bool {
			failed, _ = historiesReport(t, s)
			return len(failed) > 0
		})
		traffic.stop()
		w1.terminate(t, 30*time.Second)
		t.Logf("without the gate: %v", failed)
	})
}

// deployTraffic is customers writing through the test, each waiting for
// the 200 of one message before the next.
type deployTraffic struct {
	b      *burst
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startDeployTraffic(t *testing.T, s *stack) *deployTraffic {
	ctx, cancel := context.WithCancel(context.Background())
	d := &deployTraffic{b: newBurst(s), ctx: ctx, cancel: cancel}
	t.Cleanup(d.stop)
	d.newCustomers(t, "+3361200")
	return d
}

// newCustomers starts deployCustomers more customers (numbers prefix+NNN).
func (d *deployTraffic) newCustomers(t *testing.T, prefix string) {
	for c := range deployCustomers {
		customer := fmt.Sprintf("%s%03d", prefix, c)
		d.wg.Go(func() {
			for d.ctx.Err() == nil {
				if err := d.b.customer(customer, 1, time.Second); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
}

func (d *deployTraffic) accepted() int { return int(d.b.accepted.Load()) }

func (d *deployTraffic) waitAccepted(t *testing.T, n int) {
	t.Helper()
	eventually(t, 2*time.Minute, fmt.Sprintf("%d messages accepted", n), func() bool { return d.accepted() >= n })
}

// waitRecorded waits until n customer messages are in the transcript: a
// worker has run their workflows.
func (d *deployTraffic) waitRecorded(t *testing.T, s *stack, n int) {
	t.Helper()
	eventually(t, 2*time.Minute, fmt.Sprintf("%d messages recorded", n), func() bool {
		var got int
		err := s.app.Store.DB().QueryRow(`SELECT count(*) FROM messages WHERE direction = 'inbound'`).Scan(&got)
		return err == nil && got >= n
	})
}

func (d *deployTraffic) stop() {
	d.cancel()
	d.wg.Wait()
}

// waitLog waits until the process has logged a line holding every part.
func waitLog(t *testing.T, p *proc, within time.Duration, parts ...string) {
	t.Helper()
	eventually(t, within, p.name+" to log "+strings.Join(parts, " … "), func() bool {
		b, _ := os.ReadFile(p.out.Name())
		for _, line := range strings.Split(string(b), "\n") {
			all := true
			for _, part := range parts {
				all = all && strings.Contains(line, part)
			}
			if all {
				return true
			}
		}
		return false
	})
}

// historiesReport reads every conversation history of the stack's task
// queue: the workflow tasks that failed (workflow id and cause), and how
// many runs recorded the test patch at its new version.
func historiesReport(t *testing.T, s *stack) (failed []string, patched int) {
	t.Helper()
	ctx := context.Background()
	dc := payloadcodec.DataConverter(s.app.Codec)
	it := listAll(ctx, t, s.app.Temporal, fmt.Sprintf("TaskQueue = '%s'", s.cfg.TaskQueue))
	for _, ex := range it {
		hist := s.app.Temporal.GetWorkflowHistory(ctx, ex.id, ex.run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for hist.HasNext() {
			ev, err := hist.Next()
			if err != nil {
				t.Fatal(err)
			}
			if f := ev.GetWorkflowTaskFailedEventAttributes(); f != nil {
				failed = append(failed, ex.id+": "+f.GetCause().String()+": "+firstLine(f.GetFailure().GetMessage()))
			}
			if m := ev.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "Version" {
				// Marker details are payloads like any other: encrypted
				// when the stack runs with a payload key. A decode error
				// fails the test instead of reading as "not patched".
				var change string
				var version int
				if err := dc.FromPayloads(m.GetDetails()["change-id"], &change); err != nil {
					t.Fatalf("%s: version marker: %v", ex.id, err)
				}
				if err := dc.FromPayloads(m.GetDetails()["version"], &version); err != nil {
					t.Fatalf("%s: version marker: %v", ex.id, err)
				}
				if change == "test-timer" && version == 1 {
					patched++
				}
			}
		}
	}
	return failed, patched
}

type execution struct{ id, run string }

func listAll(ctx context.Context, t *testing.T, c client.Client, query string) []execution {
	t.Helper()
	var out []execution
	var token []byte
	for {
		req := listRequest(query)
		req.NextPageToken = token
		resp, err := c.ListWorkflow(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range resp.GetExecutions() {
			if ex.GetType().GetName() == workflows.ConversationWorkflowName {
				out = append(out, execution{ex.GetExecution().GetWorkflowId(), ex.GetExecution().GetRunId()})
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
