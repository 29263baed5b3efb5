package activities

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/internal/twilio"
)

const (
	ambSender   = "+14155550100"
	ambCustomer = "+33612345678"
)

// ambiguousRig is SendMessage against the Twilio emulator (through the
// real twilio client) with its rows in PostgreSQL.
type ambiguousRig struct {
	t         *testing.T
	st        *store.Store
	emu       *emulator.Emulator
	acts      *Activities
	convID    string
	accountID string
}

func newAmbiguousRig(t *testing.T) *ambiguousRig {
	t.Helper()
	ctx := context.Background()
	emu := emulator.New(emulator.Config{StatusCallbackDelay: time.Hour})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	emu.AddAccount(fixedSID, fixedToken)
	emu.ConfigureSender(fixedSID, ambSender, "")

	st := storetest.New(t)
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: fixedSID, AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: ambSender}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := domain.ConversationRecord{ID: uuid.NewString(), AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: ambCustomer, State: domain.StateQueued, Mode: domain.ModeSession}
	conv.WorkflowID = domain.ConversationWorkflowID(conv.NumberID, conv.CustomerE164)
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	tw := twilio.NewClient(twilio.Config{APIBase: srv.URL, Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	return &ambiguousRig{t: t, st: st, emu: emu, convID: conv.ID, accountID: acc.ID,
		acts: &Activities{Store: st, Credentials: fixedCreds{}, Twilio: tw, LookupSettle: 300 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler)}}
}

// message stores an outbound message, as the workflow does before sending.
func (r *ambiguousRig) message(body string) SendInput {
	r.t.Helper()
	m, err := r.st.CreateOutbound(context.Background(), domain.Message{ID: uuid.NewString(), ConversationID: r.convID,
		Direction: domain.Outbound, Author: domain.AuthorAdmin, Body: body})
	if err != nil {
		r.t.Fatal(err)
	}
	return SendInput{MessageID: m.ID, AccountID: r.accountID, From: ambSender, To: ambCustomer, Body: body}
}

// attempt runs SendMessage once with the heartbeat a previous attempt left
// (nil: none), and returns its result and the last heartbeat the test
// environment reported (it throttles them like the SDK: a heartbeat
// recorded just before the end may not be reported).
func (r *ambiguousRig) attempt(in SendInput, heartbeat any) (SendOutput, any, error) {
	r.t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(r.acts)
	if heartbeat != nil {
		env.SetHeartbeatDetails(heartbeat)
	}
	var last any = heartbeat
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var sid string
		if details.Get(&sid) == nil {
			last = sid
			return
		}
		var amb AmbiguousSend
		if err := details.Get(&amb); err != nil {
			r.t.Errorf("heartbeat: %v", err)
		}
		last = amb
	})
	val, err := env.ExecuteActivity(r.acts.SendMessage, in)
	var out SendOutput
	if err == nil {
		err = val.Get(&out)
	}
	return out, last, err
}

func retryable(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == ErrTypeTwilioRetryable
}

// "Accept, then 500": the attempt fails retryably with the ambiguous
// attempt in its heartbeat; the retry finds the message on Twilio and
// records its SID: one message created.
func TestAmbiguousSendIsLookedUpNotSentAgain(t *testing.T) {
	for _, f := range []emulator.Failure{
		{Count: 1, Accept: true, HTTPStatus: 500},
		{Count: 1, Accept: true, Drop: true},
		{Count: 1, HoldAfterAccept: time.Minute},
	} {
		r := newAmbiguousRig(t)
		r.emu.InjectFailure(f)
		in := r.message("hello")
		_, hb, err := r.attempt(in, nil)
		amb, ok := hb.(AmbiguousSend)
		if !retryable(err) || !ok || amb.Attempts != 1 || amb.Body != "hello" || amb.To != ambCustomer || amb.Since.IsZero() || amb.Until.Before(amb.Since) {
			t.Fatalf("%+v: first attempt: %v, heartbeat %+v", f, err, hb)
		}
		out, _, err := r.attempt(in, amb)
		sent := r.emu.Messages()
		if err != nil || len(sent) != 1 || out.Message.TwilioSID == nil || *out.Message.TwilioSID != sent[0].SID {
			t.Fatalf("%+v: retry: %+v %v, %d created", f, out.Message, err, len(sent))
		}
		if row, _ := r.st.GetMessage(context.Background(), in.MessageID); row.TwilioSID == nil || *row.TwilioSID != sent[0].SID {
			t.Fatalf("%+v: row %+v", f, row)
		}
	}
}

// A dropped request that created nothing: the retry looks until the
// settle time has passed since the attempt, then sends once.
func TestAmbiguousSendNotCreatedIsSentAfterTheSettle(t *testing.T) {
	r := newAmbiguousRig(t)
	r.emu.InjectFailure(emulator.Failure{Count: 1, Drop: true})
	in := r.message("hello")
	_, hb, err := r.attempt(in, nil)
	if !retryable(err) {
		t.Fatalf("first attempt: %v", err)
	}
	amb := hb.(AmbiguousSend)
	out, _, err := r.attempt(in, amb)
	sent := r.emu.Messages()
	if err != nil || len(sent) != 1 || out.Message.TwilioSID == nil || *out.Message.TwilioSID != sent[0].SID {
		t.Fatalf("retry: %+v %v, %d created", out.Message, err, len(sent))
	}
	if waited := sent[0].ReceivedAt.Sub(amb.Until); waited < 300*time.Millisecond {
		t.Fatalf("sent again %s after the ambiguous attempt, before the 300 ms settle", waited)
	}
}

// Two ambiguous attempts widen one window; the third attempt finds the
// first attempt's message even though the second also failed.
func TestAmbiguousAttemptsAccumulate(t *testing.T) {
	r := newAmbiguousRig(t)
	r.emu.InjectFailure(emulator.Failure{Count: 1, Drop: true})
	r.emu.InjectFailure(emulator.Failure{Count: 1, Accept: true, HTTPStatus: 503})
	in := r.message("hello")
	_, hb, _ := r.attempt(in, nil)
	first := hb.(AmbiguousSend)
	_, hb, err := r.attempt(in, first)
	second, ok := hb.(AmbiguousSend)
	if !retryable(err) || !ok || second.Attempts != 2 || !second.Since.Equal(first.Since) || !second.Until.After(first.Until) {
		t.Fatalf("second attempt: %v, heartbeat %+v", err, hb)
	}
	out, _, err := r.attempt(in, second)
	if sent := r.emu.Messages(); err != nil || len(sent) != 1 || *out.Message.TwilioSID != sent[0].SID {
		t.Fatalf("third attempt: %+v %v, %d created", out.Message, err, len(sent))
	}
}

// The same text sent as another message of ours moments before is not
// taken for this one: its SID belongs to that message.
func TestAmbiguousLookupSkipsAnotherMessageWithTheSameText(t *testing.T) {
	r := newAmbiguousRig(t)
	earlier := r.message("ok")
	if out, _, err := r.attempt(earlier, nil); err != nil || out.Message.TwilioSID == nil {
		t.Fatalf("earlier message: %+v %v", out, err)
	}
	r.emu.InjectFailure(emulator.Failure{Count: 1, Drop: true})
	in := r.message("ok")
	_, hb, _ := r.attempt(in, nil)
	amb := hb.(AmbiguousSend)
	amb.Since = amb.Since.Add(-time.Minute) // the earlier copy is inside the window
	out, _, err := r.attempt(in, amb)
	sent := r.emu.Messages()
	if err != nil || len(sent) != 2 || *out.Message.TwilioSID != sent[1].SID {
		t.Fatalf("retry: %+v %v, created %d", out.Message, err, len(sent))
	}
}

// The message's first status callback recorded the SID while the retry was
// still looking: it stops there and sends nothing.
func TestAmbiguousLookupStopsAtACallbackSID(t *testing.T) {
	r := newAmbiguousRig(t)
	r.acts.LookupSettle = 5 * time.Second
	r.emu.InjectFailure(emulator.Failure{Count: 1, Drop: true})
	in := r.message("hello")
	_, hb, _ := r.attempt(in, nil)
	go func() {
		time.Sleep(500 * time.Millisecond)
		if _, err := r.st.LinkSID(context.Background(), in.AccountID, in.MessageID, "SM"+strings.Repeat("c", 32)); err != nil {
			t.Error(err)
		}
	}()
	start := time.Now()
	out, _, err := r.attempt(in, hb)
	if err != nil || out.Message.TwilioSID == nil || *out.Message.TwilioSID != "SM"+strings.Repeat("c", 32) || len(r.emu.Messages()) != 0 {
		t.Fatalf("retry: %+v %v, created %d", out.Message, err, len(r.emu.Messages()))
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("the retry looked for %s after the callback", took)
	}
}

// A lookup that fails (Twilio unreachable) is retried later: the message
// is never sent blindly.
func TestAmbiguousLookupFailureSendsNothing(t *testing.T) {
	r := newAmbiguousRig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	r.acts.Lookup = twilio.NewClient(twilio.Config{APIBase: down, Timeout: time.Second, Logger: slog.New(slog.DiscardHandler)})
	r.acts.Twilio = neverSend{t}
	in := r.message("hello")
	amb := AmbiguousSend{Since: time.Now().Add(-time.Minute), Until: time.Now().Add(-time.Minute), From: ambSender, To: ambCustomer, Body: "hello", Attempts: 1}
	_, hb, err := r.attempt(in, amb)
	if !retryable(err) {
		t.Fatalf("retry with Twilio unreachable: %v", err)
	}
	if got, ok := hb.(AmbiguousSend); !ok || got.Attempts != 1 {
		t.Fatalf("the ambiguous attempt was not carried on: %+v", hb)
	}
}
