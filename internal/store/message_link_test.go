package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
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
	agent := uuid.NewString()
	st.DB().MustExec(`INSERT INTO agents (id, name, email, capacity, token_hash) VALUES ($1, 'A', 'a@example.com', 2, 'h')`, agent)
	st.DB().MustExec(`UPDATE conversations SET agent_id = $1 WHERE id = $2`, agent, conv.ID)
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
