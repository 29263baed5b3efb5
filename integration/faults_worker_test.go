package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/payloadcodec"
)

// faultConversation waits for the conversation of a customer's first message.
func (s *stack) faultConversation(t *testing.T, customer string) domain.Conversation {
	t.Helper()
	var conv domain.Conversation
	eventually(t, 20*time.Second, "the conversation of "+customer, func() bool {
		var out listResponse[domain.Conversation]
		s.admin(http.MethodGet, "/api/v1/conversations?customer="+url.QueryEscape(customer), nil, http.StatusOK, &out)
		if len(out.Data) == 1 && len(s.messages(out.Data[0].ID)) > 0 {
			conv = out.Data[0]
			return true
		}
		return false
	})
	return conv
}

// sentTo counts the messages Twilio (the emulator) accepted for a customer.
func sentTo(emu *emulator.Emulator, customer string) int {
	n := 0
	for _, m := range emu.Messages() {
		if m.To == "whatsapp:"+customer {
			n++
		}
	}
	return n
}

// sendAsync posts an admin reply without waiting for it (the API answers
// 201, or 202 after 10 s while the send is still pending).
func (s *stack) sendAsync(convID, text string) {
	body, _ := json.Marshal(map[string]string{"text": text})
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.apiURL+"/api/v1/conversations/"+convID+"/messages", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.cfg.AdminKey)
		req.Header.Set("Content-Type", "application/json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
}

// outboundRow is the id and SID of a conversation's only outbound message.
func (s *stack) outboundRow(convID string) (id string, sid *string, ok bool) {
	err := s.app.Store.DB().QueryRow(`SELECT id, twilio_sid FROM messages WHERE conversation_id = $1 AND direction = 'outbound'`,
		convID).Scan(&id, &sid)
	return id, sid, err == nil
}

// checkProcessLogs looks for secrets and full phone numbers in what a
// process logged (crashes, retries and Twilio failures included).
func checkProcessLogs(t *testing.T, s *stack, p *proc) {
	t.Helper()
	out, err := os.ReadFile(p.out.Name())
	if err != nil {
		t.Fatal(err)
	}
	for what, secret := range map[string]string{
		"auth token": authToken, "admin key": s.cfg.AdminKey, "secret key": s.cfg.SecretKeys[0],
		"sender number": ourNumber, "sender digits": strings.TrimPrefix(ourNumber, "+"),
		"customer number": "+33700000001", "customer digits": "33700000002",
	} {
		if i := strings.Index(string(out), secret); i >= 0 {
			t.Errorf("%s logged %s: …%s…", p.name, what, out[max(0, i-150):min(len(out), i+50)])
		}
	}
}

// sendActivity describes the pending SendMessage activity of a workflow.
func (s *stack) sendActivity(t *testing.T, workflowID string) (attempt int32, heartbeatSID string, running bool) {
	t.Helper()
	d, err := s.app.Temporal.DescribeWorkflow(context.Background(), workflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	desc := d.RawResponse
	for _, pa := range desc.GetPendingActivities() {
		if pa.GetActivityType().GetName() != "SendMessage" {
			continue
		}
		if p := pa.GetHeartbeatDetails().GetPayloads(); len(p) > 0 {
			// Heartbeat details are encrypted like every payload.
			_ = payloadcodec.DataConverter(s.app.Codec).FromPayload(p[0], &heartbeatSID)
		}
		return pa.GetAttempt(), heartbeatSID, pa.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED
	}
	return 0, "", false
}

// TestWorkerKilledMidSendSendsEachMessageOnce runs the worker as its own
// process (`switchboard worker`) and kill -9s it while three sends are in
// three states, then starts a new one:
//
//   - held:     Twilio has not looked at the request yet (the emulator
//     holds it): nothing was sent, the retry sends it once;
//   - accepted: Twilio accepted the message but its answer never reached
//     the worker (the emulator holds the 201): the SID is not in the row
//     nor in the heartbeat, and the message's first status callback, whose
//     URL names the message, records it; the retry finds it and sends
//     nothing;
//   - recorded: the SID reached the activity heartbeat but not the row (a
//     test transaction locks the row): the retry takes the SID from the
//     heartbeat, decides not to send while the row still has no SID, and
//     records it once the lock is gone.
//
// Every conversation then goes on: a new reply and a customer message.
func TestWorkerKilledMidSendSendsEachMessageOnce(t *testing.T) {
	bin := buildBinary(t)
	s := faultStack{temporal: temporalAddr, noWorker: true}.start(t)
	workerAddr := freeAddr(t)
	env := s.processEnv(workerAddr)
	worker := startProc(t, bin, "worker-1", env, "worker")
	defer checkProcessLogs(t, s, worker)
	waitHTTP(t, "http://"+workerAddr+"/readyz", 60*time.Second)

	const held, accepted, recorded = "+33700000001", "+33700000002", "+33700000003"
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	convs := map[string]domain.Conversation{}
	for _, c := range []string{held, accepted, recorded} {
		if st := s.postWebhook(path, inboundForm(newMessageSID(), c, "bonjour"), authToken, ""); st != http.StatusOK {
			t.Fatalf("inbound %s: %d", c, st)
		}
		convs[c] = s.faultConversation(t, c)
	}
	ctx := context.Background()

	// recorded: Twilio answers after 3 s, time enough to lock the row first.
	s.emu.InjectFailure(emulator.Failure{To: recorded, Count: 1, Delay: 3 * time.Second})
	s.sendAsync(convs[recorded].ID, "recorded")
	eventually(t, 15*time.Second, "the recorded send to be held", func() bool { return s.emu.Held() == 1 })
	rowID, sid, ok := s.outboundRow(convs[recorded].ID)
	if !ok || sid != nil {
		t.Fatalf("outbound row while the send is at Twilio: found %v, SID %v", ok, sid)
	}
	lock, err := s.app.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.Exec(`SELECT 1 FROM messages WHERE id = $1 FOR UPDATE`, rowID); err != nil {
		t.Fatal(err)
	}
	var recordedSID string
	eventually(t, 15*time.Second, "the SID in the activity heartbeat", func() bool {
		_, recordedSID, _ = s.sendActivity(t, convs[recorded].WorkflowID)
		return recordedSID != ""
	})

	// held and accepted: both requests wait at Twilio when the worker dies.
	s.emu.InjectFailure(emulator.Failure{To: held, Count: 1, Delay: 10 * time.Minute})
	s.emu.InjectFailure(emulator.Failure{To: accepted, Count: 1, HoldAfterAccept: 10 * time.Minute})
	s.sendAsync(convs[held].ID, "held")
	s.sendAsync(convs[accepted].ID, "accepted")
	eventually(t, 15*time.Second, "both sends held by Twilio", func() bool {
		return s.emu.Held() == 2 && sentTo(s.emu, accepted) == 1
	})
	if err := worker.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-worker.done
	killedAt := time.Now()
	t.Log("worker killed with three sends in flight")

	// The accepted message's first status callback records its SID.
	eventually(t, 15*time.Second, "the accepted message's SID from its status callback", func() bool {
		_, sid, ok := s.outboundRow(convs[accepted].ID)
		return ok && sid != nil && *sid == s.emu.Messages()[len(s.emu.Messages())-1].SID
	})
	if n := sentTo(s.emu, held); n != 0 {
		t.Fatalf("the held send reached Twilio %d times though the worker hung up first", n)
	}

	worker2 := startProc(t, bin, "worker-2", env, "worker")
	defer checkProcessLogs(t, s, worker2)
	// Temporal notices the dead attempts at their StartToClose timeout (30 s),
	// then the new worker retries them.
	eventually(t, 90*time.Second, "the recorded send's retry", func() bool {
		attempt, _, running := s.sendActivity(t, convs[recorded].WorkflowID)
		return attempt >= 2 && running
	})
	time.Sleep(time.Second) // the retry has decided by now: it is blocked on the row
	if _, sid, _ := s.outboundRow(convs[recorded].ID); sid != nil {
		t.Fatalf("the recorded row got SID %s while locked", *sid)
	}
	if n := sentTo(s.emu, recorded); n != 1 {
		t.Fatalf("the recorded message went to Twilio %d times", n)
	}
	lock.Rollback()

	for c, conv := range convs {
		eventually(t, 90*time.Second, c+"'s message sent", func() bool {
			_, sid, ok := s.outboundRow(conv.ID)
			return ok && sid != nil
		})
		if n := sentTo(s.emu, c); n != 1 {
			t.Errorf("%s: Twilio got the message %d times, want once", c, n)
		}
	}
	_, sid, _ = s.outboundRow(convs[recorded].ID)
	if *sid != recordedSID {
		t.Errorf("recorded: row SID %s, heartbeat SID %s", *sid, recordedSID)
	}
	t.Logf("every send resolved %s after the kill, each sent once", time.Since(killedAt).Round(time.Second))

	// The conversations go on: a reply goes out, a customer message is recorded.
	for c, conv := range convs {
		var reply domain.Message
		s.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "still here"}, http.StatusCreated, &reply)
		if reply.TwilioSID == nil || sentTo(s.emu, c) != 2 {
			t.Errorf("%s: reply after the restart %+v, %d sends", c, reply, sentTo(s.emu, c))
		}
		if st := s.postWebhook(path, inboundForm(newMessageSID(), c, "merci"), authToken, ""); st != http.StatusOK {
			t.Fatalf("inbound %s: %d", c, st)
		}
		eventually(t, 20*time.Second, c+"'s second message recorded", func() bool {
			return s.state(t, conv.WorkflowID).InboundCount == 2
		})
	}
}
