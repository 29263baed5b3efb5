package integration

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// TestAgentTemplates: GET /api/v1/agent/templates lists what an agent may
// send once the window is closed: approved variants only, with their body
// and variable count, never a content SID; templates with no approved
// variant are left out.
func TestAgentTemplates(t *testing.T) {
	s := newStack(t, temporalAddr)
	var agent domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Lou", "email": "lou@example.com", "capacity": 1},
		http.StatusCreated, &agent)
	s.admin(http.MethodPost, "/api/v1/templates", map[string]any{
		"name": "order_ready", "category": "utility", "default_language": "fr",
		"variants": []map[string]any{{"language": "fr", "body": "Bonjour {{1}}, votre commande est prête."}},
	}, http.StatusCreated, nil)
	for _, tpl := range []domain.Template{
		{Name: "promo_code", Category: "marketing", DefaultLanguage: "en", Variants: []domain.TemplateVariant{
			{Language: "en", Body: "Use {{1}} before {{2}}.", ContentSID: "HX0123456789abcdef0123456789abcdef", ApprovalStatus: domain.ApprovalApproved},
			{Language: "fr", Body: "Utilisez {{1}} avant {{2}}.", ContentSID: "HXfedcba9876543210fedcba9876543210", ApprovalStatus: "pending"},
		}},
		{Name: "draft_only", Category: "utility", DefaultLanguage: "fr", Variants: []domain.TemplateVariant{
			{Language: "fr", Body: "Brouillon", ContentSID: "HX00000000000000000000000000000abc", ApprovalStatus: "rejected"},
		}},
	} {
		if err := domain.NormalizeTemplate(&tpl); err != nil {
			t.Fatal(err)
		}
		if _, err := s.app.Store.CreateTemplate(context.Background(), tpl, store.Audit{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}

	status, _, raw := browserAgentGet(t, s, agent.Token, "/api/v1/agent/templates")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, raw)
	}
	if strings.Contains(string(raw), "HX") || strings.Contains(string(raw), "approval") {
		t.Fatalf("content SIDs or approval details leak to agents: %s", raw)
	}
	var out struct {
		Data []struct {
			Name            string `json:"name"`
			Category        string `json:"category"`
			DefaultLanguage string `json:"default_language"`
			Variants        []struct {
				Language  string `json:"language"`
				Body      string `json:"body"`
				Variables int    `json:"variables"`
			} `json:"variants"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Data) != 2 || out.Data[0].Name != "order_ready" || out.Data[1].Name != "promo_code" {
		t.Fatalf("templates %s", raw)
	}
	if v := out.Data[0].Variants; len(v) != 1 || v[0].Language != "fr" || v[0].Variables != 1 || !strings.Contains(v[0].Body, "{{1}}") {
		t.Fatalf("order_ready %+v", v)
	}
	if v := out.Data[1].Variants; len(v) != 1 || v[0].Language != "en" || v[0].Variables != 2 || out.Data[1].Category != "marketing" {
		t.Fatalf("promo_code %+v", out.Data[1])
	}

	if status, _, _ := browserAgentGet(t, s, "", "/api/v1/agent/templates"); status != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", status)
	}
}

// browserAgentGet GETs an agent API path with token ("" for none).
func browserAgentGet(t *testing.T, s *stack, token, path string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.apiURL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw
}
