package twilio

import (
	"context"
	"net/http"
	"testing"
)

func contentPage(next any, items ...map[string]any) map[string]any {
	return map[string]any{
		"contents": items,
		"meta": map[string]any{
			"key": "contents", "page_size": 2, "next_page_url": next, "previous_page_url": nil,
			"url": "https://content.twilio.com/v1/ContentAndApprovals?PageSize=2&Page=0", "page": 0,
			"first_page_url": "https://content.twilio.com/v1/ContentAndApprovals?PageSize=2&Page=0",
		},
	}
}

func contentItem(sid, name, lang, body string, approval map[string]any) map[string]any {
	return map[string]any{
		"sid": sid, "account_sid": testSID, "friendly_name": name, "language": lang,
		"date_created": "2024-03-01T10:00:00Z", "date_updated": "2024-03-02T10:00:00Z",
		"variables": map[string]any{"1": "Alice", "2": "42"},
		"types":     map[string]any{"twilio/text": map[string]any{"body": body}},
		"url":       "https://content.twilio.com/v1/Content/" + sid, "approval_requests": approval,
	}
}

func TestListContentPages(t *testing.T) {
	f := newFake(t)
	f.reply = func(w http.ResponseWriter, r *http.Request, s seen) {
		if s.Method != http.MethodGet || s.Path != "/v1/ContentAndApprovals" || s.User != testSID || s.Pass != testToken {
			http.Error(w, "unexpected", 404)
			return
		}
		switch r.URL.Query().Get("PageToken") {
		case "":
			writeJSON(w, 200, contentPage("https://content.twilio.com/v1/ContentAndApprovals?PageSize=2&Page=1&PageToken=PT2",
				contentItem("HX01", "order_update", "fr", "Bonjour {{1}}, commande {{2}}", map[string]any{
					"name": "order_update", "category": "UTILITY", "content_type": "twilio/text", "status": "approved", "rejection_reason": "",
				}),
				contentItem("HX02", "promo", "fr", "Promo {{1}}", map[string]any{
					"name": "promo", "category": "MARKETING", "status": "rejected", "rejection_reason": "INVALID_FORMAT",
				})))
		case "PT2":
			item := contentItem("HX03", "card", "en", "", map[string]any{
				"whatsapp": map[string]any{"name": "card", "category": "UTILITY", "status": "approved", "type": "whatsapp"},
			})
			item["types"] = map[string]any{"twilio/card": map[string]any{"title": "T", "body": "Card body {{1}}"}}
			writeJSON(w, 200, contentPage(nil, item))
		}
	}
	c := f.client(0)
	all, err := c.ListContent(context.Background(), testCreds)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || len(f.requests()) != 2 {
		t.Fatalf("%d items in %d requests, want 3 in 2", len(all), len(f.requests()))
	}
	if q := f.requests()[0].Query; q != "PageSize=100" {
		t.Fatalf("first page query %q", q)
	}
	first := all[0]
	if first.SID != "HX01" || first.FriendlyName != "order_update" || first.Language != "fr" ||
		first.Body != "Bonjour {{1}}, commande {{2}}" || first.Category != "utility" ||
		first.ApprovalStatus != "approved" || first.Variables["1"] != "Alice" {
		t.Fatalf("first = %+v", first)
	}
	if all[1].ApprovalStatus != "rejected" || all[1].RejectionReason != "INVALID_FORMAT" {
		t.Fatalf("second = %+v", all[1])
	}
	if all[2].Body != "Card body {{1}}" || all[2].ApprovalStatus != "approved" || all[2].Category != "utility" {
		t.Fatalf("third = %+v", all[2])
	}

	approved, err := c.ListApprovedContent(context.Background(), testCreds)
	if err != nil || len(approved) != 2 || approved[0].SID != "HX01" || approved[1].SID != "HX03" {
		t.Fatalf("approved = %+v, %v", approved, err)
	}
}

func TestListContentError(t *testing.T) {
	f := newFake(t)
	f.reply = func(w http.ResponseWriter, r *http.Request, s seen) {
		if r.URL.Query().Get("PageToken") == "" {
			writeJSON(w, 200, contentPage("https://content.twilio.com/v1/ContentAndApprovals?PageToken=PT2",
				contentItem("HX01", "a", "en", "b", map[string]any{"status": "approved"})))
			return
		}
		twilioError(503, 20503, "Service Unavailable")(w, r, s)
	}
	_, err := f.client(0).ListApprovedContent(context.Background(), testCreds)
	if e := Classify(err); e == nil || e.Kind != Retryable || e.HTTPStatus != 503 {
		t.Fatalf("err = %v", err)
	}
}
