package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

func TestConversationListingFiltersAndCursor(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	ctx := context.Background()
	acc, err := a.store.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: chanSID, AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	queueID := uuid.NewString()
	for i := range 5 {
		c := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "w", AccountID: acc.ID, NumberID: acc.Numbers[0].ID,
			CustomerE164: "+3361234567" + string(rune('0'+i)), State: domain.StateQueued, Mode: domain.ModeSession}
		if err := a.store.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			a.store.DB().MustExec(`UPDATE conversations SET queue_id = $1 WHERE id = $2`, queueID, c.ID)
		}
	}
	seen := map[string]bool{}
	path := "/api/v1/conversations?limit=2&state=queued&mode=session&number_id=" + acc.Numbers[0].ID
	for cursor := ""; ; {
		var page list[domain.Conversation]
		a.do(http.MethodGet, path+"&cursor="+cursor, nil, http.StatusOK, &page)
		for _, c := range page.Data {
			seen[c.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d of 5 conversations", len(seen))
	}
	var page list[domain.Conversation]
	a.do(http.MethodGet, "/api/v1/conversations?queue_id="+queueID, nil, http.StatusOK, &page)
	if len(page.Data) != 1 || *page.Data[0].QueueID != queueID {
		t.Fatalf("queue filter: %+v", page.Data)
	}
	a.do(http.MethodGet, "/api/v1/conversations?agent_id="+uuid.NewString()+"&customer=%2B33612345670", nil, http.StatusOK, &page)
	if len(page.Data) != 0 {
		t.Fatalf("agent filter: %+v", page.Data)
	}
	a.fails(http.MethodGet, "/api/v1/conversations?state=open", nil, http.StatusBadRequest, "state must be one of")
	a.fails(http.MethodGet, "/api/v1/conversations?mode=window", nil, http.StatusBadRequest, "mode must be one of")
	a.fails(http.MethodGet, "/api/v1/conversations?agent_id=bob", nil, http.StatusBadRequest, "agent_id")
	a.fails(http.MethodGet, "/api/v1/conversations?cursor=bm9wZQ", nil, http.StatusBadRequest, "cursor")
}
