package activities

import (
	"context"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

// rowStore keeps one outbound message row.
type rowStore struct {
	Store // not called
	msg   domain.Message
}

func (r *rowStore) GetMessage(context.Context, string) (domain.Message, error) { return r.msg, nil }

func (r *rowStore) RecordSendResult(_ context.Context, _, sid string, status domain.MessageStatus) (domain.Message, error) {
	r.msg.TwilioSID, r.msg.Status = &sid, status
	return r.msg, nil
}

type neverSend struct{ t *testing.T }

func (n neverSend) Send(context.Context, twilio.SendRequest) (twilio.SendResult, error) {
	n.t.Error("Twilio was called again for a message whose SID is known")
	return twilio.SendResult{}, nil
}

type fixedCreds struct{}

const (
	fixedSID   = "AC0123456789abcdef0123456789abcdef"
	fixedToken = "t"
)

func (fixedCreds) Credentials(context.Context, string) (domain.Credentials, error) {
	return domain.Credentials{AccountSID: fixedSID, AuthToken: fixedToken}, nil
}

// A worker died after Twilio accepted the message and the SID reached the
// activity heartbeat, but before the row had it: the retry records the SID
// from the heartbeat and does not send again.
func TestSendRetryAfterACrashUsesTheHeartbeatSID(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	st := &rowStore{msg: domain.Message{ID: "m1", Direction: domain.Outbound, Status: domain.StatusQueued}}
	acts := &Activities{Store: st, Credentials: fixedCreds{}, Twilio: neverSend{t}}
	env.RegisterActivity(acts)
	env.SetHeartbeatDetails("SMfromtheheartbeat")
	val, err := env.ExecuteActivity(acts.SendMessage, SendInput{MessageID: "m1", AccountID: "a", From: "+14155550100", To: "+33612345678", Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	var out SendOutput
	if err := val.Get(&out); err != nil {
		t.Fatal(err)
	}
	if out.Message.TwilioSID == nil || *out.Message.TwilioSID != "SMfromtheheartbeat" || st.msg.TwilioSID == nil {
		t.Fatalf("after the retry: %+v (row %+v)", out.Message, st.msg)
	}
}

// The row already has the SID (recorded by the first attempt, or by the
// message's first status callback): the retry sends nothing.
func TestSendRetryWithAKnownSIDSendsNothing(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	sid := "SMalreadyknown"
	st := &rowStore{msg: domain.Message{ID: "m1", Direction: domain.Outbound, Status: domain.StatusSent, TwilioSID: &sid}}
	acts := &Activities{Store: st, Credentials: fixedCreds{}, Twilio: neverSend{t}}
	env.RegisterActivity(acts)
	val, err := env.ExecuteActivity(acts.SendMessage, SendInput{MessageID: "m1", AccountID: "a", From: "+14155550100", To: "+33612345678", Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	var out SendOutput
	if err := val.Get(&out); err != nil || out.Message.Status != domain.StatusSent {
		t.Fatalf("%+v %v", out, err)
	}
}
