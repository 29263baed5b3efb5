package integration

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// newCustomerConversation has a customer write and returns the conversation.
func (s *stack) newCustomerConversation(t *testing.T, customer string) domain.Conversation {
	t.Helper()
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if st := s.postWebhook(path, inboundForm(newMessageSID(), customer, "bonjour"), authToken, ""); st != http.StatusOK {
		t.Fatalf("inbound from %s: %d", customer, st)
	}
	return s.faultConversation(t, customer)
}

// reply sends an admin reply and returns the message as the API answered
// (201: Twilio accepted or refused it), with how long it took.
func (s *stack) reply(t *testing.T, convID, text string) (domain.Message, time.Duration) {
	t.Helper()
	start := time.Now()
	var m domain.Message
	s.admin(http.MethodPost, "/api/v1/conversations/"+convID+"/messages", map[string]any{"text": text}, http.StatusCreated, &m)
	return m, time.Since(start)
}

func (s *stack) message(t *testing.T, convID, id string) domain.Message {
	t.Helper()
	for _, m := range s.messages(convID) {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s not in conversation %s", id, convID)
	return domain.Message{}
}

// TestTwilioFaultsAreRetriedOrReported injects Twilio's failures with the
// emulator: 429 and 5xx are retried with backoff and jitter until Twilio
// accepts; an answer slower than SWITCHBOARD_TWILIO_TIMEOUT is abandoned and
// retried (sent once, also when Twilio had accepted it before answering
// late); 63016 turns the conversation template_only; 21211 fails the
// message with its code and tells the agent.
func TestTwilioFaultsAreRetriedOrReported(t *testing.T) {
	s := faultStack{temporal: temporalAddr, configure: func(c *config.Config) { c.TwilioTimeout = 2 * time.Second }}.start(t)
	ctx := context.Background()

	t.Run("429 then 500 are retried with backoff", func(t *testing.T) {
		const c = "+33710000001"
		conv := s.newCustomerConversation(t, c)
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 2, HTTPStatus: http.StatusTooManyRequests, ErrorCode: 20429})
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 1, HTTPStatus: http.StatusInternalServerError})
		// The 500 is ambiguous: the 4th attempt first looks the message up
		// on Twilio for the settle time (5 s after the 500), so the answer
		// may be a 202 that gets its SID a moment later.
		m, took := s.replyEventually(t, conv.ID, "after three refusals")
		if m.TwilioSID == nil || m.Status.IsFailure() || sentTo(s.emu, c) != 1 {
			t.Fatalf("message %+v, %d sent", m, sentTo(s.emu, c))
		}
		// Three retries after jittered waits of [0.5,1] + [1,2] + [2,4] s.
		if took < 3500*time.Millisecond {
			t.Fatalf("accepted %s after three refusals: no backoff", took)
		}
		t.Logf("429, 429, 500, then accepted: the API answered after %s", took.Round(time.Millisecond))
	})

	t.Run("a slow answer times out and is retried once", func(t *testing.T) {
		const c = "+33710000002"
		conv := s.newCustomerConversation(t, c)
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 1, Delay: time.Minute})
		m, took := s.reply(t, conv.ID, "slow")
		if m.TwilioSID == nil || sentTo(s.emu, c) != 1 || took < 2*time.Second {
			t.Fatalf("message %+v after %s, %d sent", m, took, sentTo(s.emu, c))
		}
		t.Logf("Twilio held the first attempt: timed out at 2 s, retried, accepted %s after the send", took.Round(time.Millisecond))
	})

	t.Run("accepted but answered too late is not sent twice", func(t *testing.T) {
		const c = "+33710000003"
		conv := s.newCustomerConversation(t, c)
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 1, HoldAfterAccept: time.Minute})
		m, took := s.reply(t, conv.ID, "accepted, answer lost")
		sent := s.emu.Messages()
		if m.TwilioSID == nil || sentTo(s.emu, c) != 1 || *m.TwilioSID != sent[len(sent)-1].SID {
			t.Fatalf("message %+v after %s, %d sent", m, took, sentTo(s.emu, c))
		}
		t.Logf("the SID came from the message's first status callback; the retry sent nothing (%s)", took.Round(time.Millisecond))
	})

	t.Run("63016 at send turns the conversation template_only", func(t *testing.T) {
		const c = "+33710000004"
		conv := s.newCustomerConversation(t, c)
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 1, HTTPStatus: http.StatusBadRequest, ErrorCode: 63016})
		m, _ := s.reply(t, conv.ID, "outside the window")
		if m.Status != domain.StatusFailed || m.ErrorCode == nil || *m.ErrorCode != 63016 {
			t.Fatalf("message %+v", m)
		}
		// The route answers from the message row, which the send activity
		// writes; the workflow applies the mode change when that activity's
		// result reaches it, one workflow task later.
		eventually(t, 10*time.Second, "the conversation to turn template_only", func() bool {
			st := s.state(t, conv.WorkflowID)
			return st.Mode == domain.ModeTemplateOnly && st.ModeReason == "twilio_63016"
		})
		s.wantError(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "again"},
			http.StatusConflict, domain.CodeWindowClosed, "63016")
	})

	t.Run("63016 in a status callback turns the conversation template_only", func(t *testing.T) {
		const c = "+33710000005"
		conv := s.newCustomerConversation(t, c)
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 1, ErrorCode: 63016}) // accepted, then failed
		m, _ := s.reply(t, conv.ID, "fails later")
		if m.TwilioSID == nil {
			t.Fatalf("message %+v", m)
		}
		eventually(t, 10*time.Second, "the failed callback to reach the workflow", func() bool {
			got := s.message(t, conv.ID, m.ID)
			return got.Status == domain.StatusFailed && got.ErrorCode != nil && *got.ErrorCode == 63016 &&
				s.state(t, conv.WorkflowID).Mode == domain.ModeTemplateOnly
		})
	})

	t.Run("21211 fails the message and tells the agent", func(t *testing.T) {
		const c = "+33710000006"
		conv := s.newCustomerConversation(t, c)
		var agent struct {
			ID string `json:"id"`
		}
		s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Ada", "email": "ada@example.com", "capacity": 2}, http.StatusCreated, &agent)
		s.app.Store.DB().MustExec(`UPDATE conversations SET agent_id = $1 WHERE id = $2`, agent.ID, conv.ID)
		s.emu.InjectFailure(emulator.Failure{To: c, Count: 1, HTTPStatus: http.StatusBadRequest, ErrorCode: 21211})
		m, _ := s.reply(t, conv.ID, "to a bad number")
		if m.Status != domain.StatusFailed || m.ErrorCode == nil || *m.ErrorCode != 21211 || sentTo(s.emu, c) != 0 {
			t.Fatalf("message %+v", m)
		}
		evs, err := s.app.Store.AgentEventsAfter(ctx, agent.ID, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		told := false
		for _, e := range evs {
			var p struct {
				MessageID string `json:"message_id"`
				Status    string `json:"status"`
				ErrorCode int    `json:"error_code"`
			}
			_ = json.Unmarshal(e.Payload, &p)
			told = told || e.Type == domain.EventDeliveryStatus && p.MessageID == m.ID && p.Status == "failed" && p.ErrorCode == 21211
		}
		if !told {
			t.Fatalf("no delivery_status event for the agent: %+v", evs)
		}
		// A final error is not retried: the conversation goes on.
		if next, _ := s.reply(t, conv.ID, "fixed"); next.TwilioSID == nil || sentTo(s.emu, c) != 1 {
			t.Fatalf("next message %+v", next)
		}
	})
}

// callback is one status callback to post.
type callback struct {
	sid, status string
	code        int
}

// TestStatusCallbacksShuffledDuplicatedAndLateOverHTTP posts signed status
// callbacks over real HTTP, in random order, each twice, from several
// goroutines, then the early statuses again (late), and one message's
// callbacks before its SID is even recorded: every message ends in its
// true final status.
func TestStatusCallbacksShuffledDuplicatedAndLateOverHTTP(t *testing.T) {
	// The emulator posts only each message's "queued": this test plays the rest.
	s := faultStack{temporal: temporalAddr, emulator: emulator.Config{StatusCallbackDelay: time.Hour}}.start(t)
	conv := s.newCustomerConversation(t, "+33720000001")
	truth := []struct {
		path  []callback // statuses Twilio reports, in its order; the last is the truth
		final domain.MessageStatus
		code  int
	}{
		{path: []callback{{status: "sent"}, {status: "delivered"}, {status: "read"}}, final: domain.StatusRead},
		{path: []callback{{status: "sent"}, {status: "delivered"}}, final: domain.StatusDelivered},
		{path: []callback{{status: "sending"}, {status: "sent"}}, final: domain.StatusSent},
		{path: []callback{{status: "read"}}, final: domain.StatusRead}, // read without delivered
		{path: []callback{{status: "sent"}, {status: "undelivered", code: 63049}}, final: domain.StatusUndelivered, code: 63049},
		{path: []callback{{status: "sent"}, {status: "failed", code: 30008}}, final: domain.StatusFailed, code: 30008},
	}
	ids := make([]string, len(truth))
	var all []callback
	for i, tr := range truth {
		m, _ := s.reply(t, conv.ID, "message "+strconv.Itoa(i))
		ids[i] = m.ID
		for _, cb := range tr.path {
			cb.sid = *m.TwilioSID
			all = append(all, cb, cb) // each twice
		}
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })

	statusURL := "/twilio/whatsapp/" + s.account.ID + "/status"
	post := func(cb callback) {
		form := url.Values{"MessageSid": {cb.sid}, "MessageStatus": {cb.status}, "AccountSid": {accountSID},
			"From": {"whatsapp:" + ourNumber}, "To": {"whatsapp:+33720000001"}, "ChannelPrefix": {"whatsapp"}, "ApiVersion": {"2010-04-01"}}
		if cb.code != 0 {
			form.Set("ErrorCode", strconv.Itoa(cb.code))
		}
		if st := s.postWebhook(statusURL, form, authToken, ""); st != http.StatusNoContent {
			t.Errorf("callback %+v: %d", cb, st)
		}
	}
	var wg sync.WaitGroup
	work := make(chan callback)
	for range 4 {
		wg.Go(func() {
			for cb := range work {
				post(cb)
			}
		})
	}
	for _, cb := range all {
		work <- cb
	}
	close(work)
	wg.Wait()
	// Late: the early statuses of every message arrive again, after the rest.
	for i := range truth {
		sid := *s.message(t, conv.ID, ids[i]).TwilioSID
		for _, st := range []string{"queued", "sending", "sent"} {
			post(callback{sid: sid, status: st})
		}
	}

	// Early: callbacks for a message Twilio accepted but whose SID we have not
	// recorded yet (its answer is held), on the plain status URL.
	s.emu.InjectFailure(emulator.Failure{To: "+33720000001", Count: 1, HoldAfterAccept: time.Second})
	early := make(chan domain.Message, 1)
	go func() { m, _ := s.reply(t, conv.ID, "early"); early <- m }()
	eventually(t, 10*time.Second, "the early message at Twilio", func() bool { return s.emu.Held() == 1 })
	sent := s.emu.Messages()
	earlySID := sent[len(sent)-1].SID
	for _, st := range []string{"delivered", "sent", "read", "delivered"} {
		post(callback{sid: earlySID, status: st})
	}
	if m := <-early; m.TwilioSID == nil || *m.TwilioSID != earlySID {
		t.Fatalf("early message %+v", m)
	}

	for i, tr := range truth {
		m := s.message(t, conv.ID, ids[i])
		code := 0
		if m.ErrorCode != nil {
			code = *m.ErrorCode
		}
		if m.Status != tr.final || code != tr.code {
			t.Errorf("message %d: %s (code %d), want %s (code %d)", i, m.Status, code, tr.final, tr.code)
		}
	}
	eventually(t, 5*time.Second, "the early message read", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.TwilioSID != nil && *m.TwilioSID == earlySID {
				return m.Status == domain.StatusRead
			}
		}
		return false
	})
	t.Logf("%d callbacks shuffled and duplicated, %d late, 4 early: every message in its final status", len(all), 3*len(truth))
}
