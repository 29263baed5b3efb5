package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestAgentEventsBecomeVisibleInIDOrder: streams resume from the last id
// they sent, so a reader must never see an agent's event while an earlier
// id of the same agent is still uncommitted. Here a transaction that drew
// its event id is held open (RecordInbound, blocked on the inbox row after
// recording the message event); a second event for the same agent must
// wait for it instead of committing a higher id first.
func TestAgentEventsBecomeVisibleInIDOrder(t *testing.T) {
	// Tests share a database: the sessions under test are told apart by
	// their application_name.
	app := "evorder_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	dsn := storetest.NewDSN(t)
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("application_name", app)
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		dsn += " application_name=" + app
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	agent, conv := agentWithConversations(ctx, t, st)
	x, y := conv("+33600000001"), conv("+33600000002")
	msg := domain.InboundMessage{MessageSID: "SM" + uuid.NewString()[:30], AccountID: x.AccountID, NumberID: x.NumberID,
		From: x.CustomerE164, To: "+14155550100", Body: "hi", ReceivedAt: time.Now()}
	if _, err := st.InsertInbound(ctx, x.WorkflowID, msg); err != nil {
		t.Fatal(err)
	}

	hold, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT 1 FROM inbound_inbox WHERE message_sid = $1 FOR UPDATE`, msg.MessageSID); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { _, err := st.RecordInbound(ctx, x, []domain.InboundMessage{msg}); first <- err }()
	var second chan error
	waitFor := func(what, query string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			select {
			case err := <-second:
				t.Fatalf("a second event of the agent committed while an earlier one was in flight (%v)", err)
			default:
			}
			var n int
			if err := st.DB().Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND `+query, app); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("the message event's transaction to block on the inbox row", `query LIKE '%UPDATE inbound_inbox%'`)

	y.Event = domain.EventWindowWarning
	second = make(chan error, 1)
	go func() { second <- st.SaveConversation(ctx, y) }()
	waitFor("the second event to wait for the agent's lock", `wait_event = 'advisory'`)
	select {
	case err := <-second:
		t.Fatalf("a second event of the agent committed while an earlier one was in flight (%v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	if evs, err := st.AgentEventsAfter(ctx, agent, 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("a reader sees %+v (%v) while the first event is uncommitted", evs, err)
	}

	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []chan error{first, second} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
	evs, err := st.AgentEventsAfter(ctx, agent, 0, 10)
	if err != nil || len(evs) != 2 || evs[0].Type != domain.EventMessage || evs[1].Type != domain.EventWindowWarning || evs[0].ID >= evs[1].ID {
		t.Fatalf("events: %+v (%v), want the message then the warning", evs, err)
	}
	if latest, err := st.LatestAgentEventID(ctx, agent); err != nil || latest != evs[1].ID {
		t.Fatalf("latest %d (%v), want %d", latest, err, evs[1].ID)
	}
}

// agentWithConversations creates an account with one number and an agent,
// and returns the agent's id and a function that stores a conversation of
// a customer assigned to that agent.
func agentWithConversations(ctx context.Context, t *testing.T, st *store.Store) (string, func(customer string) domain.ConversationRecord) {
	t.Helper()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	agent := uuid.NewString()
	if _, err := st.DB().Exec(`INSERT INTO agents (id, name, email, capacity, token_hash) VALUES ($1, 'A', 'a@example.com', 2, 'h')`, agent); err != nil {
		t.Fatal(err)
	}
	return agent, func(customer string) domain.ConversationRecord {
		c := domain.ConversationRecord{ID: uuid.NewString(), AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
			CustomerE164: customer, State: domain.StateAssigned, Mode: domain.ModeSession}
		c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, c.CustomerE164)
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE conversations SET agent_id = $1 WHERE id = $2`, agent, c.ID); err != nil {
			t.Fatal(err)
		}
		return c
	}
}
