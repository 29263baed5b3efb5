package store_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// newConversation stores an account, a number and a conversation.
func newConversation(t *testing.T, st *store.Store) domain.ConversationRecord {
	t.Helper()
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:x", AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
		CustomerE164: "+33612345678", State: domain.StateQueued, Mode: domain.ModeSession}
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	return conv
}

func outbound(t *testing.T, st *store.Store, conv domain.ConversationRecord) domain.Message {
	t.Helper()
	m, err := st.CreateOutbound(context.Background(), domain.Message{ID: uuid.NewString(), ConversationID: conv.ID, Author: "admin", Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestStatusRankInSQLMatchesGo(t *testing.T) {
	st := storetest.New(t)
	for _, s := range []domain.MessageStatus{"received", "accepted", "scheduled", "queued", "sending", "sent", "delivered", "read", "undelivered", "failed", "canceled"} {
		var sqlRank int
		if err := st.DB().Get(&sqlRank, `SELECT message_status_rank($1)`, string(s)); err != nil {
			t.Fatal(err)
		}
		if goRank, _ := domain.StatusRank(s); goRank != sqlRank {
			t.Errorf("%s: SQL rank %d, Go rank %d", s, sqlRank, goRank)
		}
	}
}

// Twilio's callbacks arrive shuffled, duplicated and late; the message must
// end in its true final status whatever the order.
func TestStatusCallbacksInAnyOrderEndInTheFinalStatus(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	seq := []domain.MessageStatus{"queued", "sending", "sent", "delivered", "read"}
	for i := range 20 {
		m := outbound(t, st, conv)
		sid := "SM" + uuid.NewString()[:8]
		if _, err := st.RecordSendResult(ctx, m.ID, sid, domain.StatusQueued); err != nil {
			t.Fatal(err)
		}
		events := append(append([]domain.MessageStatus{}, seq...), seq[rand.IntN(len(seq))], seq[rand.IntN(len(seq))])
		rand.Shuffle(len(events), func(a, b int) { events[a], events[b] = events[b], events[a] })
		for _, s := range events {
			if _, err := st.ApplyStatus(ctx, conv.AccountID, sid, s, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.GetMessage(ctx, m.ID)
		if err != nil || got.Status != domain.StatusRead {
			t.Fatalf("run %d, order %v: status %s (%v)", i, events, got.Status, err)
		}
	}
}

func TestFailureIsFinalAndKeepsItsErrorCode(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	m := outbound(t, st, conv)
	sid := "SMfail"
	if _, err := st.RecordSendResult(ctx, m.ID, sid, domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	up, err := st.ApplyStatus(ctx, conv.AccountID, sid, domain.StatusFailed, 63016, "outside window")
	if err != nil || !up.Known || !up.Applied || up.WorkflowID != "conv:x" || up.MessageID != m.ID {
		t.Fatalf("failed callback: %+v %v", up, err)
	}
	for _, late := range []domain.MessageStatus{"sent", "delivered", "read", "queued"} {
		if up, err := st.ApplyStatus(ctx, conv.AccountID, sid, late, 0, ""); err != nil || up.Applied {
			t.Fatalf("late %s applied over failed: %+v %v", late, up, err)
		}
	}
	got, _ := st.GetMessage(ctx, m.ID)
	if got.Status != domain.StatusFailed || got.ErrorCode == nil || *got.ErrorCode != 63016 {
		t.Fatalf("message: %+v", got)
	}
}

// The emulator (and Twilio) can call back before our activity stored the
// SID: the early callback must not be lost.
func TestCallbackBeforeTheSIDIsRecordedIsApplied(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	m := outbound(t, st, conv)
	sid := "SMearly"
	up, err := st.ApplyStatus(ctx, conv.AccountID, sid, domain.StatusDelivered, 0, "")
	if err != nil || up.Known {
		t.Fatalf("unknown SID: %+v %v", up, err)
	}
	if _, err := st.ApplyStatus(ctx, conv.AccountID, sid, domain.StatusSent, 0, ""); err != nil {
		t.Fatal(err)
	}
	got, err := st.RecordSendResult(ctx, m.ID, sid, domain.StatusQueued)
	if err != nil || got.Status != domain.StatusDelivered {
		t.Fatalf("after recording the SID: %s (%v)", got.Status, err)
	}
}

func TestRecordInboundStoresEachMessageSidOnce(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	msg := domain.InboundMessage{MessageSID: "SMdup", From: conv.CustomerE164, Body: "hi", ReceivedAt: time.Now()}
	for i := range 3 {
		res, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{msg})
		if err != nil || len(res) != 1 || res[0].Inserted != (i == 0) || res[0].MessageID == "" {
			t.Fatalf("attempt %d: %+v %v", i, res, err)
		}
	}
	msgs, err := st.ListMessages(ctx, conv.ID)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("transcript: %+v %v", msgs, err)
	}
}

// A write retried after its commit landed but its answer was lost (the
// database crashed in between) finds its own row: still a first recording,
// so the workflow counts and routes the message. Another id is a duplicate.
func TestRecordInboundRetryFindsItsOwnRow(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	msg := domain.InboundMessage{ID: uuid.NewString(), MessageSID: "SMretry", From: conv.CustomerE164, Body: "hi", ReceivedAt: time.Now()}
	for i := range 2 {
		res, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{msg})
		if err != nil || len(res) != 1 || !res[0].Inserted || res[0].MessageID != msg.ID {
			t.Fatalf("attempt %d of the same write: %+v %v", i, res, err)
		}
	}
	again := msg
	again.ID = uuid.NewString() // a later delivery of the same SID
	res, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{again})
	if err != nil || len(res) != 1 || res[0].Inserted || res[0].MessageID != msg.ID {
		t.Fatalf("redelivery: %+v %v", res, err)
	}
	var events int
	if err := st.DB().QueryRow(`SELECT count(*) FROM agent_events WHERE payload->>'message_id' = $1`, msg.ID).Scan(&events); err != nil || events > 1 {
		t.Fatalf("%d message events (%v)", events, err)
	}
}

// A batch of messages all recorded before, that opens a conversation (a
// duplicate delivered to a new run), leaves no conversation behind.
func TestRecordInboundOfDuplicatesOpensNoConversation(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	msg := domain.InboundMessage{MessageSID: "SMghost", From: conv.CustomerE164, Body: "bonjour", ReceivedAt: time.Now()}
	if res, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{msg}); err != nil || !res[0].Inserted {
		t.Fatalf("first recording: %+v %v", res, err)
	}
	ghost := conv
	ghost.ID = uuid.NewString()
	res, err := st.RecordInbound(ctx, ghost, []domain.InboundMessage{msg})
	if err != nil || res[0].Inserted {
		t.Fatalf("duplicate: %+v %v", res, err)
	}
	if _, err := st.GetConversation(ctx, ghost.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a conversation was left for the duplicate: %v", err)
	}
	if _, err := st.GetConversation(ctx, conv.ID); err != nil {
		t.Fatalf("the real conversation: %v", err)
	}
}

// The store answers its writes without reading the row back: what it
// answers must be what a read returns, for every shape of message, and a
// retried write must answer the stored row, not its own input.
func TestWritesAnswerWhatAReadReturns(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	shapes := map[string]domain.Message{
		"text":     {Body: "Bonjour"},
		"media":    {Media: []domain.Media{{URL: "https://example.com/a.jpg", ContentType: "image/jpeg"}}},
		"template": {Body: "Votre commande", Template: &domain.TemplateUse{Name: "order", Language: "fr", Variables: []string{"42"}}},
		"interactive": {Body: "Taille ?", Interactive: &domain.Interactive{Type: domain.InteractiveButtons, Body: "Taille ?",
			Options: []domain.InteractiveOption{{ID: "s", Title: "S"}, {ID: "m", Title: "M"}}}},
		"extra input fields": {Body: "x", Status: domain.StatusQueued, MessageType: "text", Note: true},
	}
	for name, m := range shapes {
		t.Run(name, func(t *testing.T) {
			m.ID, m.ConversationID, m.Author = uuid.NewString(), conv.ID, "agent:a1"
			created, err := st.CreateOutbound(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			read, err := st.GetMessage(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(created, read) {
				t.Errorf("CreateOutbound answered\n%+v\na read returns\n%+v", created, read)
			}
			m.Body = "changed on retry"
			again, err := st.CreateOutbound(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, read) {
				t.Errorf("a retried CreateOutbound answered\n%+v\nthe stored row is\n%+v", again, read)
			}
			sent, err := st.RecordSendResult(ctx, m.ID, "SM"+uuid.NewString()[:8], domain.StatusQueued)
			if err != nil {
				t.Fatal(err)
			}
			if read, err = st.GetMessage(ctx, m.ID); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sent, read) {
				t.Errorf("RecordSendResult answered\n%+v\na read returns\n%+v", sent, read)
			}
		})
	}
}
