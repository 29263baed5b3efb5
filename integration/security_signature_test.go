package integration

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// TestSignatureOfOneAccountDoesNotOpenAnother: a webhook validly signed for
// account A, replayed to account B's URL, is refused; so is one signed with
// A's token over B's URL, one naming A's AccountSid on B's URL with B's
// signature, a forged one and an unsigned one, on both webhooks. Nothing is
// stored and no status moves.
func TestSignatureOfOneAccountDoesNotOpenAnother(t *testing.T) {
	s := newStack(t, temporalAddr)
	const sidB, tokenB, numberB = "AC99999999999999999999999999999999", "0123456789abcdef0123456789abcdef", "+14155550199"
	var accB domain.Account
	s.admin(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Fabrikam", "twilio_account_sid": sidB, "twilio_auth_token": tokenB,
		"numbers": []map[string]string{{"name": "Support", "e164": numberB}},
	}, http.StatusCreated, &accB)
	inA := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	inB := "/twilio/whatsapp/" + accB.ID + "/inbound"

	// A message for A, signed by Twilio for A's URL.
	sid := newMessageSID()
	formA := inboundForm(sid, customerOne, "hello A")
	sigA := emulator.Sign(authToken, s.apiURL+inA, formA)
	// The same message addressed to B's number, for the attempts on B.
	formB := inboundForm(sid, customerOne, "hello B")
	formB.Set("To", "whatsapp:"+numberB)
	formBasA := url.Values{}
	for k, v := range formB {
		formBasA[k] = v
	}
	formB.Set("AccountSid", sidB)

	for _, c := range []struct {
		what string
		path string
		form url.Values
		tok  string // sign with this token over path, unless sig is set
		sig  string
		want int
	}{
		{"A's signature replayed to B's URL", inB, formA, "", sigA, http.StatusForbidden},
		{"A's signature of B's form replayed to B's URL", inB, formB, "", emulator.Sign(authToken, s.apiURL+inA, formB), http.StatusForbidden},
		{"signed with A's token over B's URL", inB, formB, authToken, "", http.StatusForbidden},
		{"B's signature naming A's AccountSid", inB, formBasA, tokenB, "", http.StatusForbidden},
		{"forged", inB, formB, "ffffffffffffffffffffffffffffffff", "", http.StatusForbidden},
		{"unsigned", inB, formB, "", "", http.StatusForbidden},
		{"B's signature over A's URL, posted to B", inB, formB, "", emulator.Sign(tokenB, s.apiURL+inA, formB), http.StatusForbidden},
	} {
		if got := s.postWebhook(c.path, c.form, c.tok, c.sig); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	if n, err := s.app.Store.CountInbox(context.Background(), sid); err != nil || n != 0 {
		t.Fatalf("refused webhooks stored %d inbox rows (%v)", n, err)
	}

	// Status callbacks: a message of A, and callbacks for it on B's URL or unsigned.
	if got := s.postWebhook(inA, formA, authToken, ""); got != http.StatusOK {
		t.Fatalf("A's own webhook: %d", got)
	}
	conv := s.waitConversation(t)
	reply, _ := s.reply(t, conv.ID, "bonjour")
	status := url.Values{"MessageSid": {*reply.TwilioSID}, "MessageStatus": {"failed"}, "ErrorCode": {"30008"}, "AccountSid": {accountSID}}
	stA := "/twilio/whatsapp/" + s.account.ID + "/status"
	stB := "/twilio/whatsapp/" + accB.ID + "/status"
	for _, c := range []struct {
		what, path, tok, sig string
	}{
		{"A's status signature replayed to B", stB, "", emulator.Sign(authToken, s.apiURL+stA, status)},
		{"signed with A's token over B's URL", stB, authToken, ""},
		{"forged", stA, "ffffffffffffffffffffffffffffffff", ""},
		{"unsigned", stA, "", ""},
	} {
		if got := s.postWebhook(c.path, status, c.tok, c.sig); got != http.StatusForbidden {
			t.Errorf("status callback %s: %d, want 403", c.what, got)
		}
	}
	if m := s.message(t, conv.ID, reply.ID); m.Status.IsFailure() {
		t.Fatalf("a refused callback failed the message: %+v", m)
	}
}
