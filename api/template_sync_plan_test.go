package api

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

func content(sid, name, lang, body, category, status string) twilio.ContentTemplate {
	return twilio.ContentTemplate{SID: "HX" + strings.Repeat(sid, 32)[:32], FriendlyName: name, Language: lang,
		Body: body, Category: category, ApprovalStatus: status}
}

func TestPlanSync(t *testing.T) {
	items := []twilio.ContentTemplate{
		content("a", "Order Update", "en", "Hello {{1}}", "UTILITY", "approved"),
		content("b", "order_update", "fr", "Bonjour {{1}}", "utility", "approved"),
		content("c", "order-update", "fr", "Salut {{1}}", "utility", "approved"), // second fr
		content("d", "promo", "en", "Sale {{1}}", "MARKETING", "rejected"),
		content("e", "заказ", "ru", "Привет", "utility", "approved"),
		content("f", "no_body", "en", "", "utility", "approved"),
		content("1", "bad_lang", "klingon", "x", "utility", "approved"),
		content("2", "named_vars", "en", "Hi {{first_name}}", "utility", "approved"),
		content("3", "odd_category", "en", "Hi", "TRANSACTIONAL", "approved"),
		{SID: "HX123", FriendlyName: "bad_sid", Language: "en", Body: "x", ApprovalStatus: "approved"},
	}
	groups, skipped := planSync(items)
	names := []string{}
	for _, g := range groups {
		names = append(names, g.name)
	}
	if strings.Join(names, ",") != "order_update,promo,odd_category" {
		t.Fatalf("groups %v", names)
	}
	if g := groups[0]; len(g.approved) != 2 || g.category != "utility" || g.approved[1].variant.Language != "fr" {
		t.Fatalf("order_update: %+v", g)
	}
	if g := groups[1]; len(g.approved) != 0 || len(g.statuses) != 1 || g.statuses[0].ApprovalStatus != "rejected" {
		t.Fatalf("promo: %+v", g)
	}
	if groups[2].category != "utility" {
		t.Fatalf("unknown category: %q", groups[2].category)
	}
	reasons := map[string]string{}
	for _, s := range skipped {
		reasons[s.FriendlyName] = s.Reason
	}
	for name, want := range map[string]string{
		"order-update": "already comes from", "promo": "status rejected", "заказ": "friendly_name",
		"no_body": "no text body", "bad_lang": "language", "named_vars": "invalid placeholder", "bad_sid": "content sid",
	} {
		if !strings.Contains(reasons[name], want) {
			t.Errorf("%s skipped for %q, want %q", name, reasons[name], want)
		}
	}
	if len(skipped) != 7 {
		t.Errorf("%d skipped: %+v", len(skipped), skipped)
	}
}

func TestSyncGroupMerge(t *testing.T) {
	groups, _ := planSync([]twilio.ContentTemplate{
		content("a", "greet", "en", "Hello {{1}}", "marketing", "approved"),
		content("b", "greet", "de", "Hallo {{1}} {{2}}", "marketing", "approved"), // placeholders differ
		content("c", "greet", "es", "Hola {{1}}", "marketing", "paused"),
	})
	g := groups[0]

	next, skips, ok := g.merge(domain.Template{}, false)
	if !ok || next.Name != "greet" || next.Category != "marketing" || next.DefaultLanguage != "en" || len(next.Variants) != 1 {
		t.Fatalf("new: %+v %v", next, ok)
	}
	if len(skips) != 1 || !strings.Contains(skips[0].Reason, "same placeholders") {
		t.Fatalf("skips %+v", skips)
	}

	cur := domain.Template{ID: "x", Name: "greet", Category: "utility", DefaultLanguage: "fr", Variants: []domain.TemplateVariant{
		{Language: "fr", Body: "Bonjour {{1}}"},
		{Language: "en", Body: "Old {{1}}"},
		{Language: "es", Body: "Hola {{1}}", ContentSID: g.statuses[0].ContentSID, ApprovalStatus: "approved"},
	}}
	next, _, ok = g.merge(cur, true)
	if !ok || next.ID != "x" || next.DefaultLanguage != "fr" || next.Category != "marketing" || len(next.Variants) != 3 {
		t.Fatalf("existing: %+v", next)
	}
	en, _ := next.Variant("en")
	es, _ := next.Variant("es")
	if en.Body != "Hello {{1}}" || en.ApprovalStatus != "approved" || es.ApprovalStatus != "paused" || cur.Variants[2].ApprovalStatus != "approved" {
		t.Fatalf("variants %+v (current changed: %+v)", next.Variants, cur.Variants)
	}

	onlyStatus, _ := planSync([]twilio.ContentTemplate{content("d", "gone", "en", "Hi", "utility", "rejected")})
	if _, _, ok := onlyStatus[0].merge(domain.Template{}, false); ok {
		t.Fatal("a template created from a rejected item")
	}
}
