package activities

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/internal/twilio"
)

type emulatorCreds struct{ sid, token string }

func (c emulatorCreds) Credentials(context.Context, string) (domain.Credentials, error) {
	return domain.Credentials{AccountSID: c.sid, AuthToken: c.token}, nil
}

// An interactive message goes out with a Content SID created through the
// Content API the first time and taken from PostgreSQL after: two sends of
// the same buttons create one Content item. Content Twilio refuses fails
// the message without sending it.
func TestSendInteractiveCreatesItsContentOnce(t *testing.T) {
	const sid, token, sender, customer = "AC00000000000000000000000000000009", "0123456789abcdef0123456789abcdef", "+14155238886", "+33612345678"
	e := emulator.New(emulator.Config{})
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(func() { srv.Close(); e.Close() })
	e.SetPublicURL(srv.URL)
	e.AddAccount(sid, token)
	e.ConfigureSender(sid, sender, "")

	st := storetest.New(t)
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: sid, AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: sender}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:i", AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: customer, State: domain.StateAssigned, Mode: domain.ModeSession}
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	tw := twilio.NewClient(twilio.Config{APIBase: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	acts := &Activities{Store: st, Credentials: emulatorCreds{sid, token}, Twilio: tw, Contents: st, ContentCreator: tw,
		Logger: slog.New(slog.DiscardHandler)}
	var s testsuite.WorkflowTestSuite

	send := func(in domain.Interactive) SendOutput {
		t.Helper()
		m, err := st.CreateOutbound(ctx, domain.Message{ID: uuid.NewString(), ConversationID: conv.ID, Author: "admin", Body: in.Body, Interactive: &in})
		if err != nil {
			t.Fatal(err)
		}
		env := s.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		val, err := env.ExecuteActivity(acts.SendMessage, SendInput{MessageID: m.ID, AccountID: acc.ID, From: sender, To: customer,
			Body: in.Body, Interactive: &in})
		if err != nil {
			t.Fatal(err)
		}
		var out SendOutput
		if err := val.Get(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	buttons := domain.Interactive{Type: domain.InteractiveButtons, Body: "Which size?", Options: []domain.InteractiveOption{
		{ID: "s", Title: "Small"}, {ID: "m", Title: "Medium"}}}
	first, second := send(buttons), send(buttons)
	list := domain.Interactive{Type: domain.InteractiveList, Body: "Pick", Button: "Slots", Options: []domain.InteractiveOption{{ID: "a", Title: "A"}}}
	third := send(list)
	for _, out := range []SendOutput{first, second, third} {
		if out.Message.TwilioSID == nil || out.Message.Status.IsFailure() {
			t.Fatalf("not sent: %+v", out.Message)
		}
	}
	sent := e.Messages()
	if len(sent) != 3 || sent[0].ContentSID == "" || sent[0].ContentSID != sent[1].ContentSID || sent[2].ContentSID == sent[0].ContentSID || sent[0].Body != "" {
		t.Fatalf("sent: %+v", sent)
	}
	cached, err := st.InteractiveContentSID(ctx, acc.ID, sid, buttons.Hash())
	if err != nil || cached != sent[0].ContentSID {
		t.Fatalf("cached %q %v, sent with %q", cached, err, sent[0].ContentSID)
	}

	// Content the Content API refuses (here: a fourth button, which a
	// session does not take; the API validates first, this is the last
	// guard) fails the message; nothing is sent.
	four := buttons
	four.Options = append(append([]domain.InteractiveOption{}, buttons.Options...), domain.InteractiveOption{ID: "l", Title: "L"}, domain.InteractiveOption{ID: "xl", Title: "XL"})
	out := send(four)
	if out.Message.Status != domain.StatusFailed || out.Message.TwilioSID != nil || len(e.Messages()) != 3 {
		t.Fatalf("refused content: %+v, %d sent", out.Message, len(e.Messages()))
	}
}
