package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func eachRoutingInput(t *testing.T, st *store.Store, wsID string, from, to time.Time) []domain.RoutingInput {
	t.Helper()
	var out []domain.RoutingInput
	if err := st.EachRoutingInput(context.Background(), wsID, from, to, func(in domain.RoutingInput) error {
		out = append(out, in)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoutingInputIsRecordedOnceWithItsConversation(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	q := mustQueue(t, st, "billing")
	ws := mustWorkstream(t, st, "Support", &q.ID)
	conv := newConversation(t, st)
	at := time.Date(2026, 12, 1, 9, 30, 0, 123456000, time.UTC)
	in := domain.RoutingInput{
		ConversationID: conv.ID, WorkstreamID: ws.ID, RulesVersion: 7, RoutedAt: at,
		Facts: domain.RoutingFacts{CustomerE164: conv.CustomerE164, CustomerCountryCode: "33", ProfileName: "Marie",
			MessageBody: "ma facture", ChannelE164: "+14155550100", ButtonPayload: "menu_billing",
			CampaignID: uuid.NewString()},
		DefaultQueueID: q.ID, QueueID: q.ID,
	}
	// Every fact the rules can read is set, so that one the table does not
	// keep fails the comparison below (a what-if would replay without it).
	facts := reflect.ValueOf(in.Facts)
	for i := range facts.NumField() {
		if facts.Field(i).IsZero() {
			t.Fatalf("set RoutingFacts.%s in this test", facts.Type().Field(i).Name)
		}
	}
	conv.RoutingInput = &in
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	// The activity run again (or a later save carrying another input)
	// changes nothing: the first recording stands.
	again := in
	again.QueueID, again.Facts.MessageBody = uuid.NewString(), "other"
	conv.RoutingInput = &again
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	got := eachRoutingInput(t, st, ws.ID, at, at.Add(time.Microsecond))
	if len(got) != 1 || got[0] != in {
		t.Fatalf("recorded %+v\nwant %+v", got, in)
	}
	// [from, to): a period ending at the routing leaves it out.
	if got := eachRoutingInput(t, st, ws.ID, at.Add(-time.Hour), at); len(got) != 0 {
		t.Fatalf("a period ending at the routing has %+v", got)
	}
	other := mustWorkstream(t, st, "Other", nil)
	if got := eachRoutingInput(t, st, other.ID, at.Add(-time.Hour), at.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("another workstream's period has %+v", got)
	}
	err := st.EachRoutingInput(ctx, uuid.NewString(), at, at.Add(time.Hour), func(domain.RoutingInput) error { return nil })
	storetest.WantCode(t, err, domain.CodeNotFound)

	// The customer's data: exported, and erased with the conversation.
	exp, err := st.ExportCustomer(ctx, conv.CustomerE164)
	if err != nil || len(exp["routing_inputs"]) != 1 {
		t.Fatalf("export: %v %s", err, exp["routing_inputs"])
	}
	if _, err := st.EraseCustomer(ctx, conv.CustomerE164); err != nil {
		t.Fatal(err)
	}
	if got := eachRoutingInput(t, st, ws.ID, at.Add(-time.Hour), at.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("erasure left %+v", got)
	}
}

// A period of many pages, with ties on routed_at across page boundaries,
// is read whole, once, in order.
func TestRoutingInputsOfAPeriodArePagedWithoutLossOrRepeat(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	ws := mustWorkstream(t, st, "Support", nil)
	conv := newConversation(t, st)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	const n = 1234
	// Three conversations per second: every page boundary falls in a tie
	// sooner or later.
	st.DB().MustExec(`
		INSERT INTO conversations (id, workflow_id, account_id, number_id, contact_id, customer_e164, state, mode)
		SELECT gen_random_uuid(), 'conv:x', account_id, number_id, contact_id, customer_e164, 'closed', 'session'
		FROM conversations, generate_series(1, $1) WHERE id = $2`, n, conv.ID)
	st.DB().MustExec(`
		INSERT INTO routing_inputs (conversation_id, workstream_id, rules_version, routed_at, customer_e164, queue_id)
		SELECT id, $1, 1, $2::timestamptz + (row_number() OVER (ORDER BY id) / 3) * interval '1 second', customer_e164, NULL
		FROM conversations WHERE id <> $3`, ws.ID, base, conv.ID)
	got := eachRoutingInput(t, st, ws.ID, base, base.Add(24*time.Hour))
	if len(got) != n {
		t.Fatalf("read %d of %d", len(got), n)
	}
	seen := map[string]bool{}
	for i, in := range got {
		if seen[in.ConversationID] {
			t.Fatalf("%s read twice", in.ConversationID)
		}
		seen[in.ConversationID] = true
		if i > 0 && (in.RoutedAt.Before(got[i-1].RoutedAt) ||
			in.RoutedAt.Equal(got[i-1].RoutedAt) && in.ConversationID < got[i-1].ConversationID) {
			t.Fatalf("out of order at %d", i)
		}
	}
	// An error from the callback stops the walk.
	calls := 0
	stop := context.Canceled
	err := st.EachRoutingInput(ctx, ws.ID, base, base.Add(24*time.Hour), func(domain.RoutingInput) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Fatalf("walk went on after an error: %v after %d calls", err, calls)
	}
}
