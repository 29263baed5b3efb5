package integration

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// TestAmbiguousTwilioFailuresSendOnce: Twilio creates the message and then
// answers 500, or never answers (the client times out, or the connection
// drops), with the message's status callbacks held back so that the sender
// cannot learn the SID from them: the retry looks the message up on Twilio
// and records it, so each message is created once at Twilio and ends with
// its real SID and status. A request dropped before Twilio created
// anything is looked up, not found, and sent once.
func TestAmbiguousTwilioFailuresSendOnce(t *testing.T) {
	s := faultStack{temporal: temporalAddr, configure: func(c *config.Config) { c.TwilioTimeout = 2 * time.Second }}.start(t)
	const callbacksLate = 8 * time.Second
	cases := []struct {
		name     string
		customer string
		failure  emulator.Failure
		created  bool // by the failed attempt
	}{
		{"accept, then 500", "+33720000001", emulator.Failure{Accept: true, HTTPStatus: 500, CallbackDelay: callbacksLate}, true},
		{"accept, then time out", "+33720000002", emulator.Failure{HoldAfterAccept: time.Minute, CallbackDelay: callbacksLate}, true},
		{"accept, then the connection drops", "+33720000003", emulator.Failure{Accept: true, Drop: true, CallbackDelay: callbacksLate}, true},
		{"dropped before Twilio created it", "+33720000004", emulator.Failure{Drop: true}, false},
	}
	type sent struct {
		conv domain.Conversation
		msg  domain.Message
	}
	var all []sent
	for _, tc := range cases {
		conv := s.newCustomerConversation(t, tc.customer)
		tc.failure.To, tc.failure.Count = tc.customer, 1
		s.emu.InjectFailure(tc.failure)
		m, took := s.reply(t, conv.ID, tc.name)
		var at []emulator.SentMessage
		for _, e := range s.emu.Messages() {
			if e.To == "whatsapp:"+tc.customer {
				at = append(at, e)
			}
		}
		if len(at) != 1 || m.TwilioSID == nil || *m.TwilioSID != at[0].SID {
			t.Fatalf("%s: message %+v, %d created at Twilio", tc.name, m, len(at))
		}
		if tc.created && took >= callbacksLate {
			t.Fatalf("%s: answered after %s: the SID came from a status callback, not from the lookup", tc.name, took)
		}
		t.Logf("%s: one message at Twilio, its SID recorded after %s", tc.name, took.Round(time.Millisecond))
		all = append(all, sent{conv, m})
	}
	// The held callbacks then bring every message to its real final status.
	for _, x := range all {
		eventually(t, 30*time.Second, "the message's status callbacks", func() bool {
			return s.message(t, x.conv.ID, x.msg.ID).Status == domain.StatusRead
		})
	}
	for _, tc := range cases {
		if n := sentTo(s.emu, tc.customer); n != 1 {
			t.Errorf("%s: %d messages created at Twilio", tc.name, n)
		}
	}
}

// replyEventually sends an admin reply and returns the message once Twilio
// has answered for it: at once (201), or a little after the API's bounded
// wait (202), with how long that took.
func (s *stack) replyEventually(t *testing.T, convID, text string) (domain.Message, time.Duration) {
	t.Helper()
	start := time.Now()
	status, _, raw := s.adminRaw(http.MethodPost, "/api/v1/conversations/"+convID+"/messages", map[string]any{"text": text})
	var m domain.Message
	if err := json.Unmarshal(raw, &m); err != nil || (status != http.StatusCreated && status != http.StatusAccepted) {
		t.Fatalf("reply: %d %s", status, raw)
	}
	eventually(t, 30*time.Second, "Twilio's answer for the message", func() bool {
		m = s.message(t, convID, m.ID)
		return m.TwilioSID != nil || m.Status.IsFailure()
	})
	return m, time.Since(start)
}
