package domain

import (
	"strings"
	"testing"
)

func validTemplate() Template {
	return Template{
		Name: "order_update", Category: "utility", DefaultLanguage: "en-us",
		Variants: []TemplateVariant{
			{Language: "fr", Body: "Bonjour {{1}}, commande {{2}}. {{1}}", ContentSID: "HX0123456789abcdef0123456789abcdef"},
			{Language: "en-US", Body: "Hello {{1}}, order {{2}}"},
		},
	}
}

func TestNormalizeTemplate(t *testing.T) {
	tmpl := validTemplate()
	tmpl.Category = " Marketing "
	tmpl.Variants[1].ApprovalStatus = "APPROVED"
	if err := NormalizeTemplate(&tmpl); err != nil {
		t.Fatal(err)
	}
	if tmpl.DefaultLanguage != "en-US" || tmpl.Category != "marketing" ||
		tmpl.Variants[0].Language != "en-US" || tmpl.Variants[1].Language != "fr" || tmpl.Variants[0].ApprovalStatus != "approved" {
		t.Fatalf("normalized: %+v", tmpl)
	}

	long := strings.Repeat("a", MaxTemplateName)
	ok := validTemplate()
	ok.Name = long
	ok.Variants[0].Body = strings.Repeat("é", MaxTemplateBody-len("{{1}}{{2}}")) + "{{1}}{{2}}"
	if err := NormalizeTemplate(&ok); err != nil {
		t.Fatalf("longest name and body: %v", err)
	}
}

func TestNormalizeTemplateRules(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Template)
		wantErr string
	}{
		{"name upper case", func(t *Template) { t.Name = "Order_update" }, "name must match"},
		{"name with dash", func(t *Template) { t.Name = "order-update" }, "name must match"},
		{"name empty", func(t *Template) { t.Name = "" }, "name must match"},
		{"name too long", func(t *Template) { t.Name = strings.Repeat("a", MaxTemplateName+1) }, "name must match"},
		{"category unknown", func(t *Template) { t.Category = "promo" }, "category must be"},
		{"category missing", func(t *Template) { t.Category = "" }, "category must be"},
		{"default language missing", func(t *Template) { t.DefaultLanguage = "" }, "default_language"},
		{"default language unknown", func(t *Template) { t.DefaultLanguage = "xx" }, "default_language"},
		{"no variants", func(t *Template) { t.Variants = nil }, "at least one variant"},
		{"no default variant", func(t *Template) { t.DefaultLanguage = "de" }, "no variant in default_language de"},
		{"variant language invalid", func(t *Template) { t.Variants[0].Language = "french" }, "variants[0].language"},
		{"duplicate language", func(t *Template) { t.Variants[0].Language = "en-us" }, "one variant per language"},
		{"empty body", func(t *Template) { t.Variants[1].Body = "  " }, "variants[1].body is required"},
		{"body too long", func(t *Template) { t.Variants[0].Body = strings.Repeat("a", MaxTemplateBody+1) }, "longer than 1024"},
		{"gap", func(t *Template) { t.Variants[0].Body = "{{1}} {{3}}" }, "{{2}} is missing"},
		{"bad placeholder", func(t *Template) { t.Variants[1].Body = "{{one}}" }, "invalid placeholder"},
		{"different placeholder sets", func(t *Template) { t.Variants[1].Body = "Hello {{1}}" }, "same placeholders"},
		{"content sid", func(t *Template) { t.Variants[0].ContentSID = "HX123" }, "content_sid"},
		{"content sid upper hex", func(t *Template) { t.Variants[0].ContentSID = "HX0123456789ABCDEF0123456789ABCDEF" }, "content_sid"},
		{"approval status", func(t *Template) { t.Variants[0].ApprovalStatus = "maybe" }, "approval_status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := validTemplate()
			tt.change(&tmpl)
			err := NormalizeTemplate(&tmpl)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ErrorCode(err) != CodeInvalid {
				t.Fatalf("err = %v, want INVALID_ARGUMENT containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTemplateNameFrom(t *testing.T) {
	tests := map[string]string{
		"order_update":           "order_update",
		"Order Update":           "order_update",
		"  order-update v2 ":     "order_update_v2",
		"Commande confirmée !":   "commande_confirmee",
		"__a__b__":               "a_b",
		"Ça marche":              "ca_marche",
		"заказ":                  "",
		"order 订单":               "",
		"!!!":                    "",
		"":                       "",
		strings.Repeat("a", 513): "",
	}
	for in, want := range tests {
		if got := TemplateNameFrom(in); got != want {
			t.Errorf("TemplateNameFrom(%q) = %q, want %q", in, got, want)
		}
	}
}
