package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestAgentSendWhenTheWindowIsClosed: after the session window closes the
// agent's free-form text and media are refused with WINDOW_CLOSED, listing
// the templates to use instead, and a template goes out.
func TestAgentSendWhenTheWindowIsClosed(t *testing.T) {
	t.Parallel()
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = 2 * time.Second })
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("order_ready"), http.StatusCreated, nil)

	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "the window to close", func(c domain.Conversation) bool {
		return c.State == domain.StateAssigned && c.Mode == domain.ModeTemplateOnly
	})
	path := "/api/v1/agent/conversations/" + conv.ID + "/messages"
	e := s.agentError(ada.Token, http.MethodPost, path, map[string]any{"text": "Toujours là ?"}, http.StatusConflict, domain.CodeWindowClosed)
	var details struct {
		Templates []struct {
			Name      string   `json:"name"`
			Languages []string `json:"languages"`
			Variables int      `json:"variables"`
		} `json:"templates"`
	}
	if err := json.Unmarshal(e.Error.Details, &details); err != nil || len(details.Templates) != 1 ||
		details.Templates[0].Name != "order_ready" || details.Templates[0].Variables != 2 || !strings.Contains(e.Error.Message, "window") {
		t.Fatalf("WINDOW_CLOSED: %s %s (%v)", e.Error.Message, e.Error.Details, err)
	}
	s.agentError(ada.Token, http.MethodPost, path, map[string]any{"media_urls": []string{"https://93.184.215.14/a.jpg"}}, http.StatusConflict, domain.CodeWindowClosed)

	var msg domain.Message
	s.agentDo(ada.Token, http.MethodPost, path, map[string]any{"template": map[string]any{
		"name": "order_ready", "variables": []string{"Marie", "#7"}}}, http.StatusCreated, &msg)
	if msg.TwilioSID == nil || msg.Template == nil || msg.Body != "Bonjour Marie, votre commande #7 est prête." || msg.Author != "agent:"+ada.ID {
		t.Fatalf("template: %+v", msg)
	}
	if sent := s.emu.Messages(); len(sent) != 1 || sent[0].Body != msg.Body {
		t.Fatalf("Twilio got %+v", sent)
	}
}

// TestAgentSendValidation: what an agent's message may carry is checked
// before anything is written or sent, with messages that say what is wrong.
func TestAgentSendValidation(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, map[string]any{"attachments": map[string]any{"agent": false}})
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))
	path := "/api/v1/agent/conversations/" + conv.ID + "/messages"

	urls := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "https://93.184.215.14/" + string(rune('a'+i)) + ".jpg"
		}
		return out
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		says string
	}{
		{"http", map[string]any{"media_urls": []string{"http://93.184.215.14/a.jpg"}}, "media_urls[0]: must be an https URL"},
		{"private 10/8", map[string]any{"media_urls": []string{"https://10.1.2.3/a.jpg"}}, "media_urls[0]: host 10.1.2.3 is a private"},
		{"private 192.168", map[string]any{"text": "x", "media_urls": []string{"https://93.184.215.14/a.jpg", "https://192.168.1.20/b.jpg"}}, "media_urls[1]: host 192.168.1.20"},
		{"localhost", map[string]any{"media_urls": []string{"https://localhost/a.jpg"}}, "media_urls[0]: host localhost"},
		{"loopback v6", map[string]any{"media_urls": []string{"https://[::1]:8443/a.jpg"}}, "media_urls[0]: host ::1"},
		{"link-local metadata", map[string]any{"media_urls": []string{"https://169.254.169.254/latest/meta-data"}}, "169.254.169.254"},
		{"unique local v6", map[string]any{"media_urls": []string{"https://[fd00::5]/a.jpg"}}, "fd00::5"},
		{"unspecified", map[string]any{"media_urls": []string{"https://0.0.0.0/a.jpg"}}, "0.0.0.0"},
		{"credentials", map[string]any{"media_urls": []string{"https://user:pw@93.184.215.14/a.jpg"}}, "credentials"},
		{"not a URL", map[string]any{"media_urls": []string{"a.jpg"}}, "not an absolute URL"},
		{"11 URLs", map[string]any{"media_urls": urls(11)}, "at most 10"},
		{"text too long", map[string]any{"text": strings.Repeat("é", 1601)}, "longer than 1600 characters"},
		{"empty", map[string]any{}, "text, media_urls, interactive or template is required"},
		{"template and text", map[string]any{"text": "x", "template": map[string]any{"name": "t"}}, "not both"},
		{"unknown field", map[string]any{"txt": "x"}, "unknown field"},
	} {
		e := s.agentError(ada.Token, http.MethodPost, path, tc.body, http.StatusBadRequest, domain.CodeInvalid)
		if !strings.Contains(e.Error.Message, tc.says) {
			t.Errorf("%s: message %q does not say %q", tc.name, e.Error.Message, tc.says)
		}
	}
	// 1600 characters (not bytes) is fine; ten public https URLs are well
	// formed, but this workstream refuses agents' attachments.
	s.agentDo(ada.Token, http.MethodPost, path, map[string]any{"text": strings.Repeat("é", 1600)}, http.StatusCreated, nil)
	e := s.agentError(ada.Token, http.MethodPost, path, map[string]any{"media_urls": urls(10)}, http.StatusUnprocessableEntity, domain.CodeAttachmentsOff)
	if !strings.Contains(e.Error.Message, "attachments") {
		t.Errorf("ATTACHMENTS_DISABLED says %q", e.Error.Message)
	}
	if sent := s.emu.Messages(); len(sent) != 1 {
		t.Fatalf("%d messages reached Twilio, want 1", len(sent))
	}
	if msgs := s.messages(conv.ID); len(msgs) != 2 {
		t.Fatalf("transcript: %d messages, want 2", len(msgs))
	}
}
