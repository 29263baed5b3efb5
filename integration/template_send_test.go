package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// TestTemplateSendsWhenTheWindowIsClosed: once the session window closes,
// free-form messages are refused with WINDOW_CLOSED (listing the templates
// that can be used), and templates go out — with ContentSid and
// ContentVariables when they have a Content SID, as a rendered Body when not.
func TestTemplateSendsWhenTheWindowIsClosed(t *testing.T) {
	const window = 2 * time.Second
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = window })
	ctx := context.Background()

	s.admin(http.MethodPost, "/api/v1/templates", orderUpdateTemplate(), http.StatusCreated, nil)
	s.admin(http.MethodPost, "/api/v1/templates", map[string]any{"name": "sandbox_appointment", "category": "utility", "default_language": "en",
		"variants": []map[string]any{{"language": "en", "body": "Your appointment is coming up on {{1}} at {{2}}"}}}, http.StatusCreated, nil)
	s.admin(http.MethodPost, "/api/v1/templates", map[string]any{"name": "promo", "category": "marketing", "default_language": "en",
		"variants": []map[string]any{{"language": "en", "body": "Sale!", "content_sid": "HX11111111111111111111111111111111", "approval_status": "rejected"}}}, http.StatusCreated, nil)

	if _, status, err := s.emu.SendInbound(ctx, emulator.InboundRequest{AccountSID: accountSID, From: customerOne, To: ourNumber, Body: "Bonjour", ProfileName: "Marie"}); err != nil || status != http.StatusOK {
		t.Fatalf("inbound: %d %v", status, err)
	}
	conv := s.waitConversation(t)
	eventually(t, 20*time.Second, "the window to close", func() bool {
		var c domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &c)
		return c.Mode == domain.ModeTemplateOnly
	})
	path := "/api/v1/conversations/" + conv.ID + "/messages"

	// Free-form is refused, and the answer says which templates may go out.
	e := s.wantError(http.MethodPost, path, map[string]any{"text": "Still there?"}, http.StatusConflict, domain.CodeWindowClosed)
	var details struct {
		Templates []struct {
			Name      string   `json:"name"`
			Languages []string `json:"languages"`
			Variables int      `json:"variables"`
		} `json:"templates"`
	}
	if err := json.Unmarshal(e.Error.Details, &details); err != nil {
		t.Fatalf("details %s: %v", e.Error.Details, err)
	}
	if len(details.Templates) != 2 || details.Templates[0].Name != "order_update" || !slices.Equal(details.Templates[0].Languages, []string{"en-US", "fr"}) ||
		details.Templates[0].Variables != 2 || details.Templates[1].Name != "sandbox_appointment" {
		t.Fatalf("templates offered: %s", e.Error.Details)
	}
	s.wantError(http.MethodPost, path, map[string]any{"media_urls": []string{"https://example.com/a.jpg"}}, http.StatusConflict, domain.CodeWindowClosed)

	// A template with a Content SID: ContentSid + ContentVariables, in the
	// customer's language (fr-CA falls back to fr).
	var msg domain.Message
	s.admin(http.MethodPost, path, map[string]any{"template": map[string]any{
		"name": "order_update", "language": "fr-CA", "variables": []string{"Marie", "#4521"},
	}}, http.StatusCreated, &msg)
	wantBody := "Bonjour Marie, votre commande #4521 est partie. Merci Marie !"
	if msg.Body != wantBody || msg.Template == nil || msg.Template.Language != "fr" || msg.Template.ContentSID != sidFR ||
		!slices.Equal(msg.Template.Variables, []string{"Marie", "#4521"}) || msg.TwilioSID == nil {
		t.Fatalf("template message: %+v", msg)
	}
	sent, err := s.emu.WaitForMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m := sent[0]; m.ContentSID != sidFR || m.ContentVariables["1"] != "Marie" || m.ContentVariables["2"] != "#4521" ||
		len(m.ContentVariables) != 2 || m.Body != "" || m.To != "whatsapp:"+customerOne {
		t.Fatalf("sent to Twilio: %+v", m)
	}

	// Without a Content SID (the sandbox's pre-approved texts): the rendered Body.
	s.admin(http.MethodPost, path, map[string]any{"template": map[string]any{
		"name": "sandbox_appointment", "variables": []string{"12/1", "3pm"},
	}}, http.StatusCreated, &msg)
	sent, err = s.emu.WaitForMessages(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m := sent[1]; m.Body != "Your appointment is coming up on 12/1 at 3pm" || m.ContentSID != "" || msg.Template.Language != "en" {
		t.Fatalf("sent to Twilio: %+v (message %+v)", m, msg)
	}

	// Templates that cannot go out as asked.
	tmpl := func(t map[string]any) map[string]any { return map[string]any{"template": t} }
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"name": "nope", "variables": []string{"a"}}), http.StatusUnprocessableEntity, domain.CodeTemplateInvalid, `no template named "nope"`)
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"name": "order_update", "variables": []string{"Marie"}}), http.StatusUnprocessableEntity, domain.CodeTemplateInvalid, "takes 2 variable(s), got 1")
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"name": "order_update", "variables": []string{"Marie", "1", "x"}}), http.StatusUnprocessableEntity, domain.CodeTemplateInvalid, "takes 2 variable(s), got 3")
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"name": "order_update", "variables": []string{"Marie", "\n"}}), http.StatusUnprocessableEntity, domain.CodeTemplateInvalid, "variables[1] is empty")
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"name": "promo"}), http.StatusUnprocessableEntity, domain.CodeTemplateInvalid, "not approved")
	// Malformed requests.
	s.wantError(http.MethodPost, path, map[string]any{"text": "hi", "template": map[string]any{"name": "promo"}}, http.StatusBadRequest, domain.CodeInvalid, "not both")
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"variables": []string{"a"}}), http.StatusBadRequest, domain.CodeInvalid, "template.name")
	s.wantError(http.MethodPost, path, tmpl(map[string]any{"name": "order_update", "language": "klingon"}), http.StatusBadRequest, domain.CodeInvalid, "template.language")

	if got := s.emu.Messages(); len(got) != 2 {
		t.Fatalf("%d messages reached Twilio, want 2", len(got))
	}
	msgs := s.messages(conv.ID)
	if len(msgs) != 3 || msgs[1].Template == nil || msgs[1].Template.Name != "order_update" || !strings.HasPrefix(msgs[2].Body, "Your appointment") {
		t.Fatalf("transcript: %+v", msgs)
	}
}
