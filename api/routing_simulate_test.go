package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

type simulation struct {
	WorkstreamID string `json:"workstream_id"`
	domain.RoutingSimulationResult
}

type errorWithDetails struct {
	Error struct {
		Code    string
		Message string
		Details struct {
			Rules []struct {
				Index   int
				Message string
			}
		}
	}
}

// A draft rule is refused exactly when creating it is, with the same
// message; every bad rule of the list is named at once.
func TestSimulateValidatesDraftRulesLikeCreatingThem(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var q domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "VIP"}, http.StatusCreated, &q)
	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "fr-FR"}, http.StatusCreated, &ws)
	rules := "/api/v1/workstreams/" + ws.ID + "/routing-rules"
	simulate := rules + "/simulate"
	good := map[string]any{"name": "ok", "queue_id": q.ID}
	period := func(draft ...any) map[string]any {
		if draft == nil {
			draft = []any{}
		}
		return map[string]any{"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z", "rules": draft}
	}
	for _, bad := range []map[string]any{
		{"name": "x", "queue_id": q.ID, "conditions": []map[string]string{{"field": "customer.city", "op": "eq", "value": "Paris"}}},
		{"name": "x", "queue_id": q.ID, "conditions": []map[string]string{{"field": "message.body", "op": "matches", "value": "a(b"}}},
		{"name": "x", "queue_id": q.ID, "skills": []map[string]any{{"name": "fr", "min_proficiency": 11}}},
		{"name": "x", "queue_id": uuid.NewString()},
		{"name": "x"},
		{"name": "x", "queue_id": q.ID, "order": 0},
		{"name": "", "queue_id": q.ID},
		{"name": "x", "queue_id": q.ID, "colour": "red"},
	} {
		var created errorWithDetails
		a.do(http.MethodPost, rules, bad, http.StatusBadRequest, &created)
		var simulated errorWithDetails
		a.do(http.MethodPost, simulate, period(good, bad, bad), http.StatusUnprocessableEntity, &simulated)
		d := simulated.Error.Details.Rules
		if simulated.Error.Code != string(domain.CodeRulesInvalid) || len(d) != 2 || d[0].Index != 1 || d[1].Index != 2 ||
			d[0].Message != created.Error.Message || d[1].Message != created.Error.Message {
			t.Errorf("draft %v: create said %q, simulate said %+v", bad, created.Error.Message, simulated.Error)
		}
	}
	// A rule as GET lists it is a valid draft (its read-only fields aside).
	var listed domain.RoutingRule
	a.do(http.MethodPost, rules, good, http.StatusCreated, &listed)
	var res simulation
	a.do(http.MethodPost, simulate, period(listed), http.StatusOK, &res)
	if len(res.Rules) != 1 || res.Rules[0].ID != listed.ID || res.Conversations != 0 {
		t.Fatalf("simulated a listed rule: %+v", res)
	}

	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{"to": "2026-12-02T00:00:00Z", "rules": []any{}}, "from is required"},
		{map[string]any{"from": "yesterday", "to": "2026-12-02T00:00:00Z", "rules": []any{}}, "RFC 3339"},
		{map[string]any{"from": "2026-12-02T00:00:00Z", "to": "2026-12-02T00:00:00Z", "rules": []any{}}, "from must be before to"},
		{map[string]any{"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z"}, "rules is required"},
		{map[string]any{"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z", "rules": []any{}, "moved_limit": 10001}, "moved_limit"},
		{map[string]any{"from": "2026-12-01T00:00:00Z", "to": "2026-12-02T00:00:00Z", "rules": []any{"x"}}, ""},
	} {
		if tc.want == "" {
			a.do(http.MethodPost, simulate, tc.body, http.StatusUnprocessableEntity, nil)
			continue
		}
		a.fails(http.MethodPost, simulate, tc.body, http.StatusBadRequest, tc.want)
	}
	a.fails(http.MethodPost, "/api/v1/workstreams/"+uuid.NewString()+"/routing-rules/simulate", period(), http.StatusNotFound, "workstream")
	a.doKey("", http.MethodPost, simulate, period(), http.StatusUnauthorized, nil)
}

// The simulation replays what was recorded, counts per queue, lists the
// moved conversations, and changes no row (audit log included).
func TestSimulateReplaysRecordedRoutingsAndChangesNothing(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	ctx := context.Background()
	var general, billing domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "General"}, http.StatusCreated, &general)
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "Billing"}, http.StatusCreated, &billing)
	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Support", "language": "fr-FR", "default_queue_id": general.ID}, http.StatusCreated, &ws)
	acc, err := a.store.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: chanSID, AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ids := map[string]string{}
	for i, body := range []string{"ma facture", "bonjour", "invoice 42", "hello"} {
		conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:x", AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
			CustomerE164: "+3361234567" + string(rune('0'+i)), State: domain.StateQueued, Mode: domain.ModeSession,
			RoutingInput: &domain.RoutingInput{WorkstreamID: ws.ID, RulesVersion: ws.Version, RoutedAt: day.Add(time.Duration(i) * time.Hour),
				Facts:          domain.RoutingFacts{CustomerE164: "+3361234567" + string(rune('0'+i)), MessageBody: body, ChannelE164: "+14155550100"},
				DefaultQueueID: general.ID, QueueID: general.ID}}
		if err := a.store.SaveConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
		ids[body] = conv.ID
	}
	before := tableDigests(t, a.store)
	draft := []map[string]any{{"name": "Billing", "queue_id": billing.ID,
		"conditions": []map[string]string{{"field": "message.body", "op": "matches", "value": "(?i)factur|invoice"}}}}
	var res simulation
	// The last routing (03:00) is outside [00:00, 03:00).
	a.do(http.MethodPost, "/api/v1/workstreams/"+ws.ID+"/routing-rules/simulate", map[string]any{
		"from": "2026-12-01T00:00:00Z", "to": "2026-12-01T03:00:00Z", "rules": draft}, http.StatusOK, &res)
	if res.Conversations != 3 || res.Moved != 2 || res.DefaultQueue != 1 || res.WorkstreamID != ws.ID {
		t.Fatalf("totals %+v", res)
	}
	want := map[string][3]int{general.ID: {3, 1, -2}, billing.ID: {0, 2, 2}}
	for _, q := range res.Queues {
		w := want[q.QueueID]
		if [3]int{q.Actual, q.Simulated, q.Change} != w || q.QueueName == "" {
			t.Errorf("queue %+v, want actual/simulated/change %v", q, w)
		}
	}
	if len(res.Queues) != 2 || len(res.MovedConversations) != 2 {
		t.Fatalf("queues %+v moved %+v", res.Queues, res.MovedConversations)
	}
	for i, body := range []string{"ma facture", "invoice 42"} {
		m := res.MovedConversations[i]
		if m.ConversationID != ids[body] || m.FromQueueID != general.ID || m.ToQueueID != billing.ID ||
			m.FromRule != nil || m.ToRule == nil || m.ToRule.Name != "Billing" || *m.ToRule.Index != 0 {
			t.Errorf("moved[%d] %+v", i, m)
		}
	}
	// A moved_limit of 1 lists one and still counts both.
	a.do(http.MethodPost, "/api/v1/workstreams/"+ws.ID+"/routing-rules/simulate", map[string]any{
		"from": "2026-12-01T00:00:00Z", "to": "2026-12-01T03:00:00Z", "rules": draft, "moved_limit": 1}, http.StatusOK, &res)
	if res.Moved != 2 || len(res.MovedConversations) != 1 || !res.MovedTruncated {
		t.Fatalf("limited: %+v", res)
	}
	if after := tableDigests(t, a.store); !equalDigests(before, after) {
		t.Fatalf("a simulation changed rows:\nbefore %v\nafter  %v", before, after)
	}
}

// tableDigests fingerprints every table of the test schema, rows and all.
func tableDigests(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	var tables []string
	if err := st.DB().Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tbl := range tables {
		var d string
		if err := st.DB().Get(&d, `SELECT COALESCE(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM "`+tbl+`" t`); err != nil {
			t.Fatal(err)
		}
		out[tbl] = d
	}
	return out
}

func equalDigests(a, b map[string]string) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
