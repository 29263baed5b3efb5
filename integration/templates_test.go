package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
)

const (
	sidFR = "HX0123456789abcdef0123456789abcdef"
	sidEN = "HXfedcba9876543210fedcba9876543210"
)

func orderUpdateTemplate() map[string]any {
	return map[string]any{
		"name": "order_update", "category": "utility", "default_language": "en-us",
		"variants": []map[string]any{
			{"language": "en-US", "body": "Hello {{1}}, your order {{2}} has shipped.", "content_sid": sidEN},
			{"language": "fr", "body": "Bonjour {{1}}, votre commande {{2}} est partie. Merci {{1}} !", "content_sid": sidFR},
		},
	}
}

func TestTemplatesCRUD(t *testing.T) {
	s := newStack(t, temporalAddr)
	var created domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", orderUpdateTemplate(), http.StatusCreated, &created)
	if created.ID == "" || created.DefaultLanguage != "en-US" || len(created.Variants) != 2 ||
		created.Variants[0].Language != "en-US" || created.Variants[1].ContentSID != sidFR || created.Variants[0].ApprovalStatus != "" {
		t.Fatalf("created: %+v", created)
	}
	var got domain.Template
	s.admin(http.MethodGet, "/api/v1/templates/"+created.ID, nil, http.StatusOK, &got)
	if got.Name != "order_update" || len(got.Variants) != 2 {
		t.Fatalf("get: %+v", got)
	}
	s.wantError(http.MethodPost, "/api/v1/templates", orderUpdateTemplate(), http.StatusConflict, domain.CodeConflict, "name")

	// PATCH changes what it names; variants replace the whole list.
	var patched domain.Template
	s.admin(http.MethodPatch, "/api/v1/templates/"+created.ID, map[string]any{"category": "marketing"}, http.StatusOK, &patched)
	if patched.Category != "marketing" || len(patched.Variants) != 2 || patched.Name != "order_update" {
		t.Fatalf("patched category: %+v", patched)
	}
	patched = domain.Template{}
	s.admin(http.MethodPatch, "/api/v1/templates/"+created.ID, map[string]any{
		"name": "shipping_update", "default_language": "fr",
		"variants": []map[string]any{{"language": "fr", "body": "Colis {{1}} : {{2}}"}, {"language": "de-de", "body": "Paket {{2}} für {{1}}"}},
	}, http.StatusOK, &patched)
	if patched.Name != "shipping_update" || patched.DefaultLanguage != "fr" || len(patched.Variants) != 2 ||
		patched.Variants[0].Language != "de-DE" || patched.Variants[1].ContentSID != "" {
		t.Fatalf("patched variants: %+v", patched)
	}
	// A refused PATCH changes nothing.
	s.wantError(http.MethodPatch, "/api/v1/templates/"+created.ID, map[string]any{"name": "x", "default_language": "es"}, http.StatusBadRequest, domain.CodeInvalid, "default_language es")
	s.admin(http.MethodGet, "/api/v1/templates/"+created.ID, nil, http.StatusOK, &got)
	if got.Name != "shipping_update" {
		t.Fatalf("after a refused patch: %+v", got)
	}

	s.admin(http.MethodPost, "/api/v1/templates", map[string]any{"name": "welcome", "category": "utility", "default_language": "en",
		"variants": []map[string]any{{"language": "en", "body": "Welcome!"}}}, http.StatusCreated, nil)
	var list listResponse[domain.Template]
	s.admin(http.MethodGet, "/api/v1/templates", nil, http.StatusOK, &list)
	if len(list.Data) != 2 || list.Data[0].Name != "shipping_update" || list.Data[1].Name != "welcome" {
		t.Fatalf("list: %+v", list.Data)
	}

	s.admin(http.MethodDelete, "/api/v1/templates/"+created.ID, nil, http.StatusNoContent, nil)
	s.wantError(http.MethodGet, "/api/v1/templates/"+created.ID, nil, http.StatusNotFound, domain.CodeNotFound)
	s.wantError(http.MethodDelete, "/api/v1/templates/"+created.ID, nil, http.StatusNotFound, domain.CodeNotFound)
	s.wantError(http.MethodPatch, "/api/v1/templates/"+uuid.NewString(), map[string]any{"category": "utility"}, http.StatusNotFound, domain.CodeNotFound)
}

func TestTemplateValidation(t *testing.T) {
	s := newStack(t, temporalAddr)
	with := func(change func(map[string]any, []map[string]any)) map[string]any {
		body := orderUpdateTemplate()
		change(body, body["variants"].([]map[string]any))
		return body
	}
	tests := []struct {
		name string
		body map[string]any
		says string
	}{
		{"name missing", with(func(b map[string]any, _ []map[string]any) { delete(b, "name") }), "name must match"},
		{"name upper case", with(func(b map[string]any, _ []map[string]any) { b["name"] = "Order_Update" }), "name must match"},
		{"name with a space", with(func(b map[string]any, _ []map[string]any) { b["name"] = "order update" }), "name must match"},
		{"name too long", with(func(b map[string]any, _ []map[string]any) { b["name"] = strings.Repeat("a", 513) }), "name must match"},
		{"category unknown", with(func(b map[string]any, _ []map[string]any) { b["category"] = "promotional" }), "category must be"},
		{"category missing", with(func(b map[string]any, _ []map[string]any) { delete(b, "category") }), "category must be"},
		{"default language missing", with(func(b map[string]any, _ []map[string]any) { delete(b, "default_language") }), "default_language"},
		{"default language not BCP 47", with(func(b map[string]any, _ []map[string]any) { b["default_language"] = "english" }), "default_language"},
		{"default language unknown", with(func(b map[string]any, _ []map[string]any) { b["default_language"] = "xx" }), "default_language"},
		{"no variants", with(func(b map[string]any, _ []map[string]any) { b["variants"] = []any{} }), "at least one variant"},
		{"no default variant", with(func(b map[string]any, _ []map[string]any) { b["default_language"] = "de" }), "no variant in default_language de"},
		{"variant language invalid", with(func(_ map[string]any, v []map[string]any) { v[1]["language"] = "french" }), "variants[1].language"},
		{"language twice", with(func(_ map[string]any, v []map[string]any) { v[1]["language"] = "EN_us" }), "one variant per language"},
		{"body empty", with(func(_ map[string]any, v []map[string]any) { v[0]["body"] = "" }), "variants[0].body is required"},
		{"body too long", with(func(_ map[string]any, v []map[string]any) { v[0]["body"] = strings.Repeat("x", 1025) }), "longer than 1024"},
		{"placeholder gap", with(func(_ map[string]any, v []map[string]any) {
			v[0]["body"], v[1]["body"] = "{{1}} {{3}}", "{{1}} {{3}}"
		}), "{{2}} is missing"},
		{"placeholder not from 1", with(func(_ map[string]any, v []map[string]any) {
			v[0]["body"], v[1]["body"] = "{{2}}", "{{2}}"
		}), "{{1}} is missing"},
		{"placeholder named", with(func(_ map[string]any, v []map[string]any) { v[0]["body"] = "Hi {{name}}" }), "invalid placeholder"},
		{"placeholder sets differ", with(func(_ map[string]any, v []map[string]any) { v[1]["body"] = "Bonjour {{1}}" }), "same placeholders"},
		{"content sid short", with(func(_ map[string]any, v []map[string]any) { v[0]["content_sid"] = "HX123" }), "content_sid"},
		{"content sid of a message", with(func(_ map[string]any, v []map[string]any) { v[0]["content_sid"] = "SM0123456789abcdef0123456789abcdef" }), "content_sid"},
		{"approval status unknown", with(func(_ map[string]any, v []map[string]any) { v[0]["approval_status"] = "maybe" }), "approval_status"},
		{"unknown field", with(func(b map[string]any, _ []map[string]any) { b["header"] = "x" }), "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			s.wantError(http.MethodPost, "/api/v1/templates", tt.body, http.StatusBadRequest, domain.CodeInvalid, tt.says)
		})
	}
	s.t = t
	var list listResponse[domain.Template]
	s.admin(http.MethodGet, "/api/v1/templates", nil, http.StatusOK, &list)
	if len(list.Data) != 0 {
		t.Fatalf("refused templates were stored: %+v", list.Data)
	}
	// The limits themselves are accepted; the category is not case-sensitive.
	var ok domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", with(func(b map[string]any, v []map[string]any) {
		b["name"], b["category"] = strings.Repeat("a", 512), "AUTHENTICATION"
		v[0]["body"] = strings.Repeat("é", 1024-10) + "{{1}}{{2}}"
	}), http.StatusCreated, &ok)
	if ok.Category != "authentication" {
		t.Fatalf("category %q", ok.Category)
	}
}
