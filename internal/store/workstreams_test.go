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

func TestWorkstreamRoundTripVersionsAndDelete(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	q := mustQueue(t, st, "General")
	in := domain.Workstream{
		Name: "Support FR", Language: "fr-FR", Distribution: domain.DistributionPick, CapacityPerConversation: 2,
		DefaultQueueID:    &q.ID,
		AutomatedMessages: map[string]map[string]string{"fr-FR": {domain.MsgGreeting: "Bonjour"}},
		Survey:            &domain.Survey{Enabled: true, Question: map[string]string{"fr-FR": "Note ?"}, Timeout: domain.Duration(10 * time.Minute)},
		Attachments:       domain.Attachments{Customer: false, Agent: true},
		InactivityTimeout: domain.Duration(90 * time.Minute), WrapUp: domain.Duration(45 * time.Second),
		OperatingHours: &domain.OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]domain.TimeRange{"mon": {{Start: "09:00", End: "18:00"}}}},
		Bot:            &domain.Bot{URL: "https://bot.example.com/webhook", HandoffKeyword: "agent", Timeout: domain.Duration(5 * time.Second)},
		WindowNudge:    &domain.WindowNudge{Before: domain.Duration(2 * time.Hour), Text: "Still with us? Reply to keep the conversation open."},
	}
	w, err := st.CreateWorkstream(ctx, in, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.GetWorkstream(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.ID, in.Version, in.CreatedAt, in.UpdatedAt = w.ID, 1, got.CreatedAt, got.UpdatedAt
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, in)
	}
	var ms [2]int64
	if err := st.DB().QueryRow(`SELECT inactivity_timeout_ms, wrap_up_ms FROM workstreams WHERE id = $1`, w.ID).Scan(&ms[0], &ms[1]); err != nil || ms != [2]int64{5400000, 45000} {
		t.Fatalf("durations stored as %v (%v), want milliseconds", ms, err)
	}

	_, err = st.CreateWorkstream(ctx, in, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "name")
	bad := in
	bad.Name, bad.DefaultQueueID = "Other", ptr(uuid.NewString())
	_, err = st.CreateWorkstream(ctx, bad, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "default_queue_id")

	in.Name = "Support France"
	up, err := st.UpdateWorkstream(ctx, w.ID, 1, in, testAudit)
	if err != nil || up.Version != 2 || up.Name != "Support France" {
		t.Fatalf("update: %+v %v", up, err)
	}
	_, err = st.UpdateWorkstream(ctx, w.ID, 1, in, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "version 2")
	_, err = st.UpdateWorkstream(ctx, uuid.NewString(), 0, in, testAudit)
	storetest.WantCode(t, err, domain.CodeNotFound)

	// In use by a number: refused; once the number is released: deleted,
	// with its rules, and the released number forgets it.
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100", WorkstreamID: &w.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	mustRule(t, st, w.ID, "r", q.ID, 0)
	storetest.WantCode(t, st.DeleteWorkstream(ctx, w.ID, testAudit), domain.CodeConflict, "+14155550100")
	if err := st.DeleteNumber(ctx, acc.ID, acc.Numbers[0].ID, testAudit); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteWorkstream(ctx, w.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	var left int
	st.DB().Get(&left, `SELECT count(*) FROM routing_rules`)
	if left != 0 {
		t.Fatalf("%d routing rules left", left)
	}
	if list, err := st.ListWorkstreams(ctx); err != nil || len(list) != 0 {
		t.Fatalf("list after delete: %+v %v", list, err)
	}
}

func ptr[T any](v T) *T { return &v }
