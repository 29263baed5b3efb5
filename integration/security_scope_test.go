package integration

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// secondAccount creates account B (its own SID, token and number) through
// the admin API and registers it with the emulator.
func (s *stack) secondAccount(t *testing.T) (acc domain.Account, sid, token, number string) {
	t.Helper()
	sid, token, number = "AC99999999999999999999999999999999", "0123456789abcdef0123456789abcdef", "+14155550199"
	s.admin(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Fabrikam", "twilio_account_sid": sid, "twilio_auth_token": token,
		"numbers": []map[string]string{{"name": "Support", "e164": number}},
	}, http.StatusCreated, &acc)
	s.emu.AddAccount(sid, token)
	s.emu.ConfigureSender(sid, number, acc.InboundURL)
	return acc, sid, token, number
}

// TestStatusCallbackOfOneAccountNeverTouchesAnother: account A's status
// callbacks, validly signed by A on A's URL, name B's unsent message
// (?message_id=) and B's sent message (its SID): B's unsent message gets
// no SID and no status, B's sent message keeps its status, and B's
// conversation does not turn template_only. This was the bug: the
// callback's message_id linked a made-up SID to B's message, which then
// looked read and was never sent.
func TestStatusCallbackOfOneAccountNeverTouchesAnother(t *testing.T) {
	s := newStack(t, temporalAddr)
	ctx := context.Background()
	accB, sidB, tokenB, numberB := s.secondAccount(t)

	// B's conversation and a reply Twilio accepted.
	inB := "/twilio/whatsapp/" + accB.ID + "/inbound"
	formB := inboundForm(newMessageSID(), customerOne, "bonjour B")
	formB.Set("To", "whatsapp:"+numberB)
	formB.Set("AccountSid", sidB)
	if st := s.postWebhook(inB, formB, tokenB, ""); st != http.StatusOK {
		t.Fatalf("B's inbound: %d", st)
	}
	var convB domain.Conversation
	eventually(t, 15*time.Second, "B's conversation", func() bool {
		for _, c := range s.conversations() {
			if c.AccountID == accB.ID {
				convB = c
				return len(s.messages(c.ID)) > 0
			}
		}
		return false
	})
	sentB, _ := s.reply(t, convB.ID, "bonjour de B")
	if sentB.TwilioSID == nil {
		t.Fatalf("B's reply has no SID: %+v", sentB)
	}
	eventually(t, 10*time.Second, "B's reply to be read", func() bool { return s.message(t, convB.ID, sentB.ID).Status == domain.StatusRead })
	// B's message whose send has not happened yet (its worker is about to send it).
	unsentB, err := s.app.Store.CreateOutbound(ctx, domain.Message{ID: uuid.NewString(), ConversationID: convB.ID, Author: "admin", Body: "pas encore envoyé"})
	if err != nil {
		t.Fatal(err)
	}

	stA := "/twilio/whatsapp/" + s.account.ID + "/status"
	madeUp := newMessageSID()
	for _, c := range []struct {
		what string
		path string
		form url.Values
	}{
		{"naming B's unsent message", stA + "?message_id=" + unsentB.ID, url.Values{"MessageSid": {madeUp}, "MessageStatus": {"read"}, "AccountSid": {accountSID}}},
		{"with B's SID, failed 63016", stA, url.Values{"MessageSid": {*sentB.TwilioSID}, "MessageStatus": {"failed"}, "ErrorCode": {"63016"}, "AccountSid": {accountSID}}},
		{"with B's SID, naming B's message", stA + "?message_id=" + sentB.ID, url.Values{"MessageSid": {*sentB.TwilioSID}, "MessageStatus": {"undelivered"}, "AccountSid": {accountSID}}},
	} {
		// Signed by A with A's token over A's URL: a valid callback of A.
		if st := s.postWebhook(c.path, c.form, authToken, ""); st != http.StatusNoContent {
			t.Errorf("A's callback %s: %d, want 204 (nothing of A's to update)", c.what, st)
		}
	}
	if m := s.message(t, convB.ID, unsentB.ID); m.TwilioSID != nil || m.Status != domain.StatusQueued {
		t.Errorf("B's unsent message was touched by A's callback: sid %v status %s", m.TwilioSID, m.Status)
	}
	if m := s.message(t, convB.ID, sentB.ID); m.Status != domain.StatusRead || m.ErrorCode != nil {
		t.Errorf("B's sent message was touched by A's callback: %s %v", m.Status, m.ErrorCode)
	}
	time.Sleep(500 * time.Millisecond) // a delivery signal would have reached the workflow by now
	if st := s.workflowState(convB.WorkflowID); st.Mode != domain.ModeSession {
		t.Errorf("B's conversation turned %s (%s) from A's callback", st.Mode, st.ModeReason)
	}
	// B's own callback for its unsent message still links it.
	stB := "/twilio/whatsapp/" + accB.ID + "/status"
	own := newMessageSID()
	if st := s.postWebhook(stB+"?message_id="+unsentB.ID, url.Values{"MessageSid": {own}, "MessageStatus": {"sent"}, "AccountSid": {sidB}}, tokenB, ""); st != http.StatusNoContent {
		t.Fatalf("B's own callback: %d", st)
	}
	if m := s.message(t, convB.ID, unsentB.ID); m.TwilioSID == nil || *m.TwilioSID != own || m.Status != domain.StatusSent {
		t.Errorf("B's own callback did not link its message: %v %s", m.TwilioSID, m.Status)
	}
}

// TestOneSignatureIsNotReplayedAsAnotherMessage: Twilio signs the
// concatenation of sorted keys and values, so a signed form can be cut
// differently under the same signature. Here the NumMedia field is folded
// into MessageSid ("…NumMedia0"): same signature, a new MessageSid, which
// used to be stored as a second message. MessageSid must have Twilio's
// shape, so the variant is refused and nothing is stored twice.
func TestOneSignatureIsNotReplayedAsAnotherMessage(t *testing.T) {
	s := newStack(t, temporalAddr)
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	sid := newMessageSID()
	form := inboundForm(sid, customerOne, "bonjour")
	sig := emulator.Sign(authToken, s.apiURL+path, form)
	if st := s.postWebhook(path, form, "", sig); st != http.StatusOK {
		t.Fatalf("the signed webhook: %d", st)
	}
	split := url.Values{}
	for k, v := range form {
		split[k] = v
	}
	split.Del("NumMedia")
	split.Set("MessageSid", sid+"NumMedia0")
	if emulator.Sign(authToken, s.apiURL+path, split) != sig {
		t.Fatal("the split form does not share the signature: the test no longer shows the attack")
	}
	if st := s.postWebhook(path, split, "", sig); st != http.StatusBadRequest {
		t.Errorf("the same signature over a split form: %d, want 400", st)
	}
	conv := s.waitConversation(t)
	time.Sleep(500 * time.Millisecond)
	if msgs := s.messages(conv.ID); len(msgs) != 1 {
		t.Errorf("%d messages stored, want 1", len(msgs))
	}
	// The same holds for status callbacks.
	st := "/twilio/whatsapp/" + s.account.ID + "/status"
	if got := s.postWebhook(st, url.Values{"MessageSid": {"SM123"}, "MessageStatus": {"read"}, "AccountSid": {accountSID}}, authToken, ""); got != http.StatusBadRequest {
		t.Errorf("a status callback with a malformed MessageSid: %d, want 400", got)
	}
}
