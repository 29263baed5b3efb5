package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

func TestConversationPagesCoverEveryRowOnceWithTies(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	first := newConversation(t, st)
	ids := map[string]bool{first.ID: true}
	for i := range 6 {
		c := first
		c.ID, c.CustomerE164 = uuid.NewString(), "+3361234567"+string(rune('0'+i))
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids[c.ID] = true
	}
	// Ties on created_at are where (created_at) alone would lose rows.
	st.DB().MustExec(`UPDATE conversations SET created_at = '2026-01-01T10:00:00Z'`)
	queueID, agentID := uuid.NewString(), uuid.NewString()
	st.DB().MustExec(`UPDATE conversations SET queue_id = $1, agent_id = $2, state = 'assigned' WHERE id = $3`, queueID, agentID, first.ID)

	seen := map[string]bool{}
	cur := ""
	for pages := 0; ; pages++ {
		page, err := st.ListConversationsPage(ctx, store.ConversationFilter{Limit: 2, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Data {
			if seen[c.ID] {
				t.Fatalf("%s on two pages", c.ID)
			}
			seen[c.ID] = true
		}
		if cur = page.NextCursor; cur == "" {
			if pages != 3 {
				t.Fatalf("%d pages for 7 rows by 2", pages+1)
			}
			break
		}
	}
	if len(seen) != len(ids) {
		t.Fatalf("saw %d of %d conversations", len(seen), len(ids))
	}

	for _, f := range []store.ConversationFilter{
		{QueueID: queueID}, {AgentID: agentID}, {State: domain.StateAssigned}, {QueueID: queueID, AgentID: agentID, NumberID: first.NumberID},
	} {
		page, err := st.ListConversationsPage(ctx, f)
		if err != nil || len(page.Data) != 1 || page.Data[0].ID != first.ID || page.NextCursor != "" {
			t.Fatalf("filter %+v: %+v %v", f, page, err)
		}
	}
	if page, _ := st.ListConversationsPage(ctx, store.ConversationFilter{AgentID: uuid.NewString()}); len(page.Data) != 0 {
		t.Fatalf("unknown agent: %+v", page.Data)
	}
	_, err := st.ListConversationsPage(ctx, store.ConversationFilter{Cursor: "eyJ4IjoxfQ"})
	storetest.WantCode(t, err, domain.CodeInvalid, "cursor")
}
