package workflows_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

func TestWindowClosesExactly24hAfterLastCustomerMessage(t *testing.T) {
	f := newFixture(t)
	first := time.Minute
	f.expectMode(first-time.Second, domain.ModeTemplateOnly) // nothing from the customer yet
	f.at(first, func() { f.inbound("bonjour") })
	f.expectMode(first+time.Second, domain.ModeSession)
	f.expectMode(first+windowSize-time.Second, domain.ModeSession)
	f.expectMode(first+windowSize+time.Second, domain.ModeTemplateOnly)
	f.at(first+windowSize+2*time.Second, func() {
		st := f.state()
		if want := f.start.Add(first + windowSize); !st.WindowExpiresAt.Equal(want) {
			t.Errorf("window_expires_at %s, want %s", st.WindowExpiresAt, want)
		}
		if st.ModeReason != "window_expired" || st.InboundCount != 1 || st.ProfileName != "Marie" {
			t.Errorf("state after expiry: %+v", st)
		}
	})
	f.run(first + windowSize + time.Minute)

	convs, err := f.st.ListConversations(t.Context(), storeFilterAll())
	if err != nil || len(convs) != 1 {
		t.Fatalf("conversations: %v %v", convs, err)
	}
	if c := convs[0]; c.State != domain.StateClosed || c.Mode != domain.ModeTemplateOnly || *c.CloseReason != "test_done" {
		t.Errorf("stored conversation: %+v", c)
	}
	msgs, err := f.st.ListMessages(t.Context(), convs[0].ID)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "bonjour" || msgs[0].Direction != domain.Inbound {
		t.Fatalf("transcript: %+v %v", msgs, err)
	}
}

func TestLaterMessageMovesTheWindowWithoutNewTimers(t *testing.T) {
	f := newFixture(t)
	f.at(time.Minute, func() { f.inbound("one") })
	f.at(10*time.Hour, func() { f.inbound("two") })
	f.at(20*time.Hour, func() { f.inbound("three") })
	f.expectMode(time.Minute+windowSize+time.Second, domain.ModeSession) // the first message's deadline passed
	f.expectMode(20*time.Hour+windowSize-time.Second, domain.ModeSession)
	f.expectMode(20*time.Hour+windowSize+time.Second, domain.ModeTemplateOnly)
	f.run(20*time.Hour + windowSize + time.Minute)
}

func TestTemplateOnlyRefusesFreeFormButSendsTemplatesAndReopensOnReply(t *testing.T) {
	f := newFixture(t)
	f.at(time.Minute, func() { f.inbound("hello") })
	var refused, tmpl, reopened *sendOutcome
	after := time.Minute + windowSize + time.Second
	f.at(after, func() {
		refused = f.send(workflows.SendRequest{MessageID: uuid.NewString(), Author: "admin", Text: "still there?"})
	})
	f.at(after+time.Second, func() {
		tmpl = f.send(workflows.SendRequest{
			MessageID: uuid.NewString(), Author: "admin",
			Template:     &domain.TemplateUse{Name: "follow_up", Language: "en", Variables: []string{"Marie"}, ContentSID: "HX0123456789abcdef0123456789abcdef"},
			TemplateBody: "Hello Marie, can we help?",
		})
	})
	f.at(after+time.Hour, func() { f.inbound("yes please") })
	f.expectMode(after+time.Hour+time.Second, domain.ModeSession)
	f.at(after+time.Hour+2*time.Second, func() {
		reopened = f.send(workflows.SendRequest{MessageID: uuid.NewString(), Author: "admin", Text: "here you go"})
	})
	f.run(after + 2*time.Hour)

	if got := appErrorType(refused.err); got != string(domain.CodeWindowClosed) {
		t.Errorf("free-form in template_only: %s, want WINDOW_CLOSED", got)
	}
	if tmpl.err != nil || tmpl.msg.Status != domain.StatusQueued {
		t.Errorf("template send: %+v %v", tmpl.msg, tmpl.err)
	}
	if m := f.final(tmpl); m.TwilioSID == nil {
		t.Errorf("template never reached Twilio: %+v", m)
	}
	if m := f.final(reopened); reopened.err != nil || m.TwilioSID == nil {
		t.Errorf("send after reopen: %+v %v", m, reopened.err)
	}
	sent := f.emu.Messages()
	if len(sent) != 2 {
		t.Fatalf("emulator received %d messages, want 2: %+v", len(sent), sent)
	}
	if sent[0].ContentSID != "HX0123456789abcdef0123456789abcdef" || sent[0].ContentVariables["1"] != "Marie" {
		t.Errorf("template went out as %+v", sent[0])
	}
	if sent[1].Body != "here you go" || sent[1].To != "whatsapp:"+customer || sent[1].From != "whatsapp:"+ourNumber || !sent[1].BasicAuthOK {
		t.Errorf("free-form went out as %+v", sent[1])
	}
}

func TestTwilio63016ForcesTemplateOnly(t *testing.T) {
	t.Run("refused at send", func(t *testing.T) {
		f := newFixture(t)
		f.emu.InjectFailure(emulatorWindowClosed())
		f.at(time.Minute, func() { f.inbound("hi") })
		var out *sendOutcome
		f.at(2*time.Minute, func() {
			out = f.send(workflows.SendRequest{MessageID: uuid.NewString(), Author: "admin", Text: "hello"})
		})
		f.at(3*time.Minute, func() {
			if st := f.state(); st.Mode != domain.ModeTemplateOnly || st.ModeReason != "twilio_63016" {
				t.Errorf("after 63016: mode %s (%s)", st.Mode, st.ModeReason)
			}
		})
		f.run(4 * time.Minute)
		if m := f.final(out); out.err != nil || m.Status != domain.StatusFailed || m.ErrorCode == nil || *m.ErrorCode != 63016 {
			t.Errorf("refused send: %+v %v", m, out.err)
		}
	})
	t.Run("reported by a status callback", func(t *testing.T) {
		f := newFixture(t)
		f.at(time.Minute, func() { f.inbound("hi") })
		f.at(2*time.Minute, func() {
			f.env.SignalWorkflow(workflows.SignalDelivery, workflows.DeliveryUpdate{MessageID: uuid.NewString(), Status: domain.StatusFailed, ErrorCode: 63016})
		})
		f.expectMode(3*time.Minute, domain.ModeTemplateOnly)
		f.run(4 * time.Minute)
	})
}

func storeFilterAll() store.ConversationFilter { return store.ConversationFilter{} }

func emulatorWindowClosed() emulator.Failure {
	return emulator.Failure{To: customer, Count: 1, HTTPStatus: 400, ErrorCode: 63016}
}
