package integration

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

const surveyContentSID = "HX5a1c0ffee0123456789abcdef0123456"

// surveyTemplateJourney plays, on a stack whose window lasts 3 s, a
// conversation that its agent closes after the window closed, with a
// survey template configured: the survey goes to Twilio as the template,
// the customer answers 5 and is thanked. It returns the conversation once
// its run completed.
func surveyTemplateJourney(t *testing.T, s *stack) domain.Conversation {
	t.Helper()
	var tpl domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", map[string]any{"name": "csat_after_window", "category": "utility", "default_language": "fr",
		"variants": []map[string]any{{"language": "fr", "body": "Notez notre échange de 1 à 5", "content_sid": surveyContentSID, "approval_status": "approved"}}},
		http.StatusCreated, &tpl)
	queue := s.workstreamWith(domain.DistributionPush, map[string]any{
		"survey": map[string]any{"enabled": true, "question": map[string]string{"fr": "Notez-nous de 1 à 5"}, "timeout": "1m", "template_id": tpl.ID},
		"automated_messages": map[string]map[string]string{"fr": {
			"conversation_closed": "Au revoir.", "survey_thanks": "Merci !",
		}},
	})
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "ada's conversation after its window closed", func(c domain.Conversation) bool {
		return assignedTo(ada.ID)(c) && c.Mode == domain.ModeTemplateOnly
	})
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/close", map[string]any{"notes": "résolu"}, http.StatusAccepted, nil)
	eventually(t, 20*time.Second, "the survey", func() bool { return s.workflowState(conv.WorkflowID).State == domain.StateSurvey })
	var survey emulator.SentMessage
	eventually(t, 20*time.Second, "the survey template at Twilio", func() bool {
		i := slices.IndexFunc(s.emu.Messages(), func(m emulator.SentMessage) bool { return m.ContentSID == surveyContentSID })
		if i >= 0 {
			survey = s.emu.Messages()[i]
		}
		return i >= 0
	})
	if survey.To != "whatsapp:"+customerOne || survey.Body != "" {
		t.Fatalf("the survey as Twilio got it: %+v", survey)
	}
	s.customerSends(customerOne, "5")
	eventually(t, 30*time.Second, "the conversation closed with its score", func() bool {
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &conv)
		return conv.State == domain.StateClosed && conv.SurveyScore != nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eventually(t, 20*time.Second, "the run to complete", func() bool {
		d, err := s.app.Temporal.DescribeWorkflow(ctx, conv.WorkflowID, "")
		return err == nil && d.RawResponse.GetWorkflowExecutionInfo().GetCloseTime() != nil
	})
	return conv
}

// TestSurveyTemplateAfterTheWindow: through the whole stack, the survey of
// a conversation closed after its window goes out as the workstream's
// template (ContentSid at Twilio); the customer's answer is the survey's
// score, thanked in free text (the answer reopened the window), and opens
// no other conversation.
func TestSurveyTemplateAfterTheWindow(t *testing.T) {
	t.Parallel()
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = 3 * time.Second })
	conv := surveyTemplateJourney(t, s)
	if *conv.SurveyScore != 5 || conv.Mode != domain.ModeSession {
		t.Fatalf("closed as %+v", conv)
	}
	var bodies []string
	for _, m := range s.messages(conv.ID) {
		bodies = append(bodies, string(m.Direction)+":"+m.Body)
	}
	if i := slices.Index(bodies, "outbound:Notez notre échange de 1 à 5"); i < 0 || !slices.Equal(bodies[i:], []string{
		"outbound:Notez notre échange de 1 à 5", "inbound:5", "outbound:Merci !"}) {
		t.Fatalf("transcript %q", bodies)
	}
	if slices.Contains(bodies, "outbound:Au revoir.") || slices.Contains(bodies, "outbound:Notez-nous de 1 à 5") {
		t.Fatalf("free text went out while the window was closed: %q", bodies)
	}
	var page listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations?customer=%2B"+customerOne[1:], nil, http.StatusOK, &page)
	if len(page.Data) != 1 {
		t.Fatalf("the answer opened another conversation: %d conversations", len(page.Data))
	}
}

// TestRecordSurveyTemplateHistory records, when SWITCHBOARD_RECORD_HISTORY
// names a file, the history of surveyTemplateJourney (patch
// survey-template-1 on the path it changes): workflows/replay_test.go
// replays it. Without the variable it is skipped; run it alone:
//
//	SWITCHBOARD_RECORD_HISTORY=$PWD/workflows/testdata/conversation_history_survey_template.json \
//	  go test -count=1 -run TestRecordSurveyTemplateHistory ./integration/
func TestRecordSurveyTemplateHistory(t *testing.T) {
	out := recordingTarget(t)
	// The stack encrypts payloads; the replay test knows this key only
	// (recordedPayloadKey in workflows/replay_test.go: it protects nothing).
	s := newStackWith(t, temporalAddr, func(c *config.Config) {
		c.SessionWindow = 3 * time.Second
		c.PayloadKey = recordedPayloadKey
	})
	conv := surveyTemplateJourney(t, s)
	s.writeClosedHistory(t, out, conv)
}
