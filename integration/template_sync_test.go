package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

type syncAnswer struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Skipped   []struct {
		FriendlyName string `json:"friendly_name"`
		ContentSID   string `json:"content_sid"`
		Reason       string `json:"reason"`
	} `json:"skipped"`
	Templates []domain.Template `json:"templates"`
}

func (a syncAnswer) reason(friendlyName string) string {
	for _, s := range a.Skipped {
		if s.FriendlyName == friendlyName {
			return s.Reason
		}
	}
	return ""
}

func TestTemplateSyncFromTwilioContentAPI(t *testing.T) {
	s := newStack(t, temporalAddr)
	const (
		sidOrderEN = "HXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		sidOrderFR = "HXbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		sidPromo   = "HXcccccccccccccccccccccccccccccccc"
		sidWelcome = "HXdddddddddddddddddddddddddddddddd"
		sidRussian = "HXeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	)
	s.emu.AddContent(accountSID, emulator.Content{SID: sidOrderEN, FriendlyName: "Order Update", Language: "en",
		Body: "Hello {{1}}, order {{2}} shipped", Variables: map[string]string{"1": "Ada", "2": "42"}, Category: "UTILITY", Status: "approved"})
	s.emu.AddContent(accountSID, emulator.Content{SID: sidOrderFR, FriendlyName: "order_update", Language: "fr",
		Body: "Bonjour {{1}}, commande {{2}} expédiée", Category: "UTILITY", Status: "approved"})
	s.emu.AddContent(accountSID, emulator.Content{SID: sidPromo, FriendlyName: "promo", Language: "en",
		Body: "Sale {{1}}", Category: "MARKETING", Status: "rejected", RejectionReason: "INVALID_FORMAT"})
	s.emu.AddContent(accountSID, emulator.Content{SID: sidWelcome, FriendlyName: "welcome", Language: "en",
		Body: "Welcome", Category: "UTILITY", Status: "pending"})
	s.emu.AddContent(accountSID, emulator.Content{SID: sidRussian, FriendlyName: "заказ", Language: "ru",
		Body: "Привет {{1}}", Category: "UTILITY", Status: "approved"})
	body := map[string]any{"account_id": s.account.ID}

	var first syncAnswer
	s.admin(http.MethodPost, "/api/v1/templates/sync", body, http.StatusOK, &first)
	if first.Created != 1 || first.Updated != 0 || len(first.Templates) != 1 || len(first.Skipped) != 3 {
		t.Fatalf("first sync: %+v", first)
	}
	order := first.Templates[0]
	en, _ := order.Variant("en")
	fr, _ := order.Variant("fr")
	if order.Name != "order_update" || order.Category != "utility" || order.DefaultLanguage != "en" ||
		en.ContentSID != sidOrderEN || en.ApprovalStatus != "approved" || fr.ContentSID != sidOrderFR || fr.Body != "Bonjour {{1}}, commande {{2}} expédiée" {
		t.Fatalf("imported: %+v", order)
	}
	if r := first.reason("promo"); !strings.Contains(r, "rejected") || !strings.Contains(r, "INVALID_FORMAT") {
		t.Errorf("promo: %q", r)
	}
	if r := first.reason("welcome"); !strings.Contains(r, "pending") {
		t.Errorf("welcome: %q", r)
	}
	if r := first.reason("заказ"); !strings.Contains(r, "friendly_name") {
		t.Errorf("заказ: %q", r)
	}
	var list listResponse[domain.Template]
	s.admin(http.MethodGet, "/api/v1/templates", nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].ID != order.ID {
		t.Fatalf("templates after the first sync: %+v", list.Data)
	}

	// Nothing changed at Twilio: nothing changes here.
	var again syncAnswer
	s.admin(http.MethodPost, "/api/v1/templates/sync", body, http.StatusOK, &again)
	if again.Created != 0 || again.Updated != 0 || again.Unchanged != 1 {
		t.Fatalf("second sync: %+v", again)
	}

	// The English text is edited and re-approved, promo gets approved, the
	// French one is paused: the next sync updates and creates.
	s.emu.AddContent(accountSID, emulator.Content{SID: sidOrderEN, FriendlyName: "Order Update", Language: "en",
		Body: "Hi {{1}}, your order {{2}} is on its way", Category: "UTILITY", Status: "approved"})
	s.emu.AddContent(accountSID, emulator.Content{SID: sidPromo, FriendlyName: "promo", Language: "en",
		Body: "Sale {{1}}", Category: "MARKETING", Status: "approved"})
	s.emu.AddContent(accountSID, emulator.Content{SID: sidOrderFR, FriendlyName: "order_update", Language: "fr",
		Body: "Bonjour {{1}}, commande {{2}} expédiée", Category: "UTILITY", Status: "paused"})
	var third syncAnswer
	s.admin(http.MethodPost, "/api/v1/templates/sync", body, http.StatusOK, &third)
	if third.Created != 1 || third.Updated != 1 || len(third.Templates) != 2 {
		t.Fatalf("third sync: %+v", third)
	}
	var updated domain.Template
	s.admin(http.MethodGet, "/api/v1/templates/"+order.ID, nil, http.StatusOK, &updated)
	en, _ = updated.Variant("en")
	fr, _ = updated.Variant("fr")
	if en.Body != "Hi {{1}}, your order {{2}} is on its way" || fr.ApprovalStatus != "paused" || fr.Usable() || !en.Usable() {
		t.Fatalf("updated: %+v", updated)
	}
	if !strings.Contains(third.reason("order_update"), "paused") {
		t.Errorf("paused item not reported: %+v", third.Skipped)
	}
	promo := third.Templates[1]
	if promo.Name != "promo" || promo.Category != "marketing" {
		t.Fatalf("promo: %+v", promo)
	}

	// Sync changes are in the audit log.
	var audited int
	_ = s.app.Store.DB().Get(&audited, `SELECT count(*) FROM audit_log WHERE resource_type = 'template'`)
	if audited != 3 {
		t.Errorf("%d audit entries for 3 template changes", audited)
	}

	s.wantError(http.MethodPost, "/api/v1/templates/sync", map[string]any{}, http.StatusBadRequest, domain.CodeInvalid, "account_id is required")
	s.wantError(http.MethodPost, "/api/v1/templates/sync", map[string]any{"account_id": uuid.NewString()}, http.StatusBadRequest, domain.CodeInvalid, "not found")

	// An account whose credentials Twilio refuses.
	var other domain.Account
	s.admin(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Unknown to Twilio", "twilio_account_sid": "AC99999999999999999999999999999999", "twilio_auth_token": "0123456789abcdef0123456789abcdef",
		"numbers": []map[string]string{{"e164": "+15550109999"}},
	}, http.StatusCreated, &other)
	s.wantError(http.MethodPost, "/api/v1/templates/sync", map[string]any{"account_id": other.ID}, http.StatusBadGateway, domain.CodeTwilio, "credentials")
}
