package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// A status callback naming the message records a SID the sender never did
// (it crashed after Twilio accepted the message), once, and applies what
// arrived before.
func TestLinkSIDFromAStatusCallback(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	m := outbound(t, st, conv)
	sid := "SM" + uuid.NewString()[:32]
	if _, err := st.ApplyStatus(ctx, conv.AccountID, sid, domain.StatusDelivered, 0, ""); err != nil {
		t.Fatal(err)
	}
	linked, err := st.LinkSID(ctx, conv.AccountID, m.ID, sid)
	if err != nil || !linked {
		t.Fatalf("LinkSID: %v %v", linked, err)
	}
	got, _ := st.GetMessage(ctx, m.ID)
	if got.TwilioSID == nil || *got.TwilioSID != sid || got.Status != domain.StatusDelivered {
		t.Fatalf("after link: %+v", got)
	}
	// A second SID for the same message (a duplicate send) does not replace it.
	if linked, err := st.LinkSID(ctx, conv.AccountID, m.ID, "SMother"); err != nil || linked {
		t.Fatalf("relink: %v %v", linked, err)
	}
	// The sender's own record of the same SID later is harmless.
	if _, err := st.RecordSendResult(ctx, m.ID, sid, domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	// A SID another message has, an unknown or malformed id: nothing.
	other := outbound(t, st, conv)
	for _, tc := range []struct{ id, sid string }{{other.ID, sid}, {uuid.NewString(), "SMx"}, {"not-a-uuid", "SMy"}, {other.ID, ""}} {
		if linked, err := st.LinkSID(ctx, conv.AccountID, tc.id, tc.sid); err != nil || linked {
			t.Errorf("LinkSID(%q, %q): %v %v", tc.id, tc.sid, linked, err)
		}
	}
	if got, _ := st.GetMessage(ctx, other.ID); got.TwilioSID != nil {
		t.Fatalf("other message got SID %s", *got.TwilioSID)
	}
}

// A send Twilio refused tells the conversation's agent.
func TestMarkSendFailedTellsTheAgent(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	agent := assignAgent(t, st, conv)
	m := outbound(t, st, conv)
	failed, err := st.MarkSendFailed(ctx, m.ID, 21211, "Invalid 'To' Phone Number")
	if err != nil || failed.Status != domain.StatusFailed || failed.ErrorCode == nil || *failed.ErrorCode != 21211 {
		t.Fatalf("MarkSendFailed: %+v %v", failed, err)
	}
	evs, err := st.AgentEventsAfter(ctx, agent, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != domain.EventDeliveryStatus {
		t.Fatalf("agent events: %+v %v", evs, err)
	}
	var p struct {
		MessageID string `json:"message_id"`
		Status    string `json:"status"`
		ErrorCode int    `json:"error_code"`
	}
	if err := json.Unmarshal(evs[0].Payload, &p); err != nil || p.MessageID != m.ID || p.Status != "failed" || p.ErrorCode != 21211 {
		t.Fatalf("event payload %s (%v)", evs[0].Payload, err)
	}
}

// A status callback is applied by one statement when the message has its
// SID, by a transaction when the callback beat the SID. Both must leave
// the same trace: the message's status, the callback kept, and one agent
// event with the same payload per move (none when nothing moved).
func TestStatusCallbackBeforeAndAfterTheSIDLeaveTheSameTrace(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	agent := assignAgent(t, st, conv)

	type trace struct {
		Status   domain.MessageStatus
		Kept     []string
		Payloads []map[string]any
	}
	traceOf := func(m domain.Message, sid string, after int64) trace {
		t.Helper()
		got, err := st.GetMessage(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		tr := trace{Status: got.Status}
		if err := st.DB().Select(&tr.Kept, `SELECT status FROM message_status_events WHERE twilio_sid = $1 ORDER BY status`, sid); err != nil {
			t.Fatal(err)
		}
		evs, err := st.AgentEventsAfter(ctx, agent, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Type != domain.EventDeliveryStatus {
				t.Errorf("agent event %s", ev.Type)
			}
			var p map[string]any
			if err := json.Unmarshal(ev.Payload, &p); err != nil {
				t.Fatal(err)
			}
			if p["message_id"] != m.ID || p["conversation_id"] != conv.ID {
				t.Errorf("payload %s names another message", ev.Payload)
			}
			delete(p, "message_id")
			tr.Payloads = append(tr.Payloads, p)
		}
		return tr
	}
	latest := func() int64 {
		id, err := st.LatestAgentEventID(ctx, agent)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}

	// After the SID: the one-statement path, callback by callback.
	after := outbound(t, st, conv)
	afterSID := newSID()
	if _, err := st.RecordSendResult(ctx, after.ID, afterSID, domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	from := latest()
	for _, s := range []domain.MessageStatus{domain.StatusQueued, "sent", "delivered", "sent"} {
		up, err := st.ApplyStatus(ctx, conv.AccountID, afterSID, s, 0, "")
		if err != nil || !up.Known || up.MessageID != after.ID || up.WorkflowID != conv.WorkflowID {
			t.Fatalf("ApplyStatus(%s) = %+v, %v", s, up, err)
		}
		if moves := s == "sent" && up.Status == "sent" || s == "delivered"; up.Applied != moves {
			t.Errorf("ApplyStatus(%s): applied %v, status now %s", s, up.Applied, up.Status)
		}
	}
	got := traceOf(after, afterSID, from)

	// Before the SID: the transaction path, then the send records the SID
	// and applies the furthest.
	before := outbound(t, st, conv)
	beforeSID := newSID()
	from = latest()
	for _, s := range []domain.MessageStatus{domain.StatusQueued, "sent", "delivered", "sent"} {
		if up, err := st.ApplyStatus(ctx, conv.AccountID, beforeSID, s, 0, ""); err != nil || up.Known {
			t.Fatalf("ApplyStatus(%s) before the SID = %+v, %v", s, up, err)
		}
	}
	if _, err := st.RecordSendResult(ctx, before.ID, beforeSID, domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	want := traceOf(before, beforeSID, from)

	if got.Status != "delivered" || len(got.Kept) != 3 {
		t.Errorf("after the SID: %+v", got)
	}
	if !reflect.DeepEqual(got.Status, want.Status) || !reflect.DeepEqual(got.Kept, want.Kept) {
		t.Errorf("after the SID %+v, before it %+v", got, want)
	}
	// One event per move: sent then delivered after the SID; the furthest
	// (delivered) alone when they came before it.
	if len(got.Payloads) != 2 || len(want.Payloads) != 1 || !reflect.DeepEqual(got.Payloads[1], want.Payloads[0]) {
		t.Errorf("agent events after the SID %v, before it %v", got.Payloads, want.Payloads)
	}
}

// assignAgent stores an agent and makes it conv's, so that the store's
// writes about conv tell that agent; it returns the agent's id.
func assignAgent(t *testing.T, st *store.Store, conv domain.ConversationRecord) string {
	t.Helper()
	agent := uuid.NewString()
	st.DB().MustExec(`INSERT INTO agents (id, name, email, capacity, token_hash) VALUES ($1, 'A', 'a@example.com', 2, 'h')`, agent)
	st.DB().MustExec(`UPDATE conversations SET agent_id = $1 WHERE id = $2`, agent, conv.ID)
	return agent
}
