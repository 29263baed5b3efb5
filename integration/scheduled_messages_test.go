package integration

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
)

type scheduledView struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Text      string `json:"text"`
	MessageID string `json:"message_id"`
}

// TestScheduledFollowUpThroughTheAPI: an agent schedules a follow-up, a
// retry with the same Idempotency-Key schedules nothing more, the workflow
// sends it at send_at (Twilio gets it once), a second one is cancelled
// before its time and never sent, and outlive_close without a template is
// refused (scheduled_outlive_test.go drives outlive_close).
func TestScheduledFollowUpThroughTheAPI(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))
	path := "/api/v1/agent/conversations/" + conv.ID + "/scheduled-messages"

	schedule := func(body map[string]any, key string) scheduledView {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			status, _, raw := s.agentRawWithKey(ada.Token, http.MethodPost, path, body, key)
			if status == http.StatusCreated {
				var v scheduledView
				if err := json.Unmarshal(raw, &v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("schedule: %d %s", status, raw)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	key := uuid.NewString()
	body := map[string]any{"send_at": time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano), "text": "Avez-vous pu essayer ?"}
	first := schedule(body, key)
	again := schedule(body, key)
	if first.ID == "" || first.Status != "scheduled" || again.ID != first.ID {
		t.Fatalf("scheduled %+v, retried %+v", first, again)
	}
	later := schedule(map[string]any{"send_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano), "text": "Et maintenant ?"}, "")
	var cancelled scheduledView
	s.agentDo(ada.Token, http.MethodDelete, path+"/"+later.ID, nil, http.StatusOK, &cancelled)
	if cancelled.Status != "cancelled" {
		t.Fatalf("cancelled: %+v", cancelled)
	}
	// DELETE again is idempotent: the same cancelled follow-up.
	s.agentDo(ada.Token, http.MethodDelete, path+"/"+later.ID, nil, http.StatusOK, &cancelled)
	if cancelled.Status != "cancelled" {
		t.Fatalf("cancelled again: %+v", cancelled)
	}
	s.agentError(ada.Token, http.MethodDelete, path+"/"+uuid.NewString(), nil, http.StatusNotFound, domain.CodeNotFound)

	eventually(t, time.Minute, "the follow-up to be sent", func() bool {
		var list struct{ Data []scheduledView }
		s.agentDo(ada.Token, http.MethodGet, path, nil, http.StatusOK, &list)
		for _, v := range list.Data {
			if v.ID == first.ID {
				return v.Status == "sent" && v.MessageID != ""
			}
		}
		return false
	})
	// "sent" is the follow-up handed to the conversation's outbox; Twilio
	// gets it from there.
	count := func() (sent int) {
		for _, m := range s.emu.Messages() {
			switch m.Body {
			case "Avez-vous pu essayer ?":
				sent++
			case "Et maintenant ?":
				t.Fatal("the cancelled follow-up reached Twilio")
			}
		}
		return sent
	}
	eventually(t, time.Minute, "Twilio to get the follow-up", func() bool { return count() > 0 })
	time.Sleep(time.Second)
	if n := count(); n != 1 {
		t.Fatalf("Twilio got the follow-up %d times", n)
	}

	s.agentError(ada.Token, http.MethodPost, path, map[string]any{"send_at": time.Now().Add(time.Hour).Format(time.RFC3339), "text": "x", "outlive_close": true},
		http.StatusUnprocessableEntity, domain.CodeUnprocessable)
	s.agentError(ada.Token, http.MethodPost, path, map[string]any{"text": "x"}, http.StatusBadRequest, domain.CodeInvalid)
}
