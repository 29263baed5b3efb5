package integration

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestCampaignHonoursAnOptOutMidCampaign: a sender paced at 5 messages a
// second sends a 20-recipient campaign at that pace (the emulator's clock);
// a recipient who writes "Stop." before their turn is skipped (opted_out),
// gets the confirmation once however often they write it, cannot be
// started proactively (409 OPTED_OUT) until they write START; a recipient
// who answers the campaign counts as replied.
func TestCampaignHonoursAnOptOutMidCampaign(t *testing.T) {
	s := newConfiguredStack(t, temporalAddr, nil, func(c *config.Config) { c.TwilioRatePerSender = 5 })
	s.workstreamWith("push", nil)
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	s.admin(http.MethodPut, "/api/v1/workstreams/"+*n.WorkstreamID+"/opt-out-keywords", map[string]any{"keywords": []map[string]string{
		{"kind": "opt_out", "language": "en", "keyword": "STOP", "confirmation": "No more messages. Write START to come back."},
		{"kind": "opt_out", "language": "fr", "keyword": "arrêt", "confirmation": "Plus de messages."},
		{"kind": "opt_in", "language": "en", "keyword": "START", "confirmation": "Welcome back."},
	}}, http.StatusOK, nil)
	var tpl domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("promo"), http.StatusCreated, &tpl)

	const total = 20
	to := func(i int) string { return fmt.Sprintf("+3376%07d", i) }
	quitter, replier := to(15), to(0)
	recipients := make([]map[string]any, total)
	for i := range recipients {
		recipients[i] = map[string]any{"to": to(i), "variables": []string{"Ada", fmt.Sprint(i)}}
	}
	// Above the sender's limit: refused.
	s.admin(http.MethodPost, "/api/v1/campaigns", map[string]any{"name": "fast", "number_id": n.ID, "template_id": tpl.ID,
		"rate_per_second": 6, "recipients": recipients}, http.StatusBadRequest, nil)
	var camp domain.Campaign
	s.admin(http.MethodPost, "/api/v1/campaigns", map[string]any{"name": "spring", "number_id": n.ID, "template_id": tpl.ID,
		"recipients": recipients}, http.StatusCreated, &camp)
	if camp.RatePerSecond != 5 {
		t.Fatalf("rate %v, want the sender's 5", camp.RatePerSecond)
	}

	s.customerSends(quitter, "Stop.")
	eventually(t, 10*time.Second, "the opt-out listed", func() bool {
		var out listResponse[struct {
			E164, Source, Keyword string
		}]
		s.admin(http.MethodGet, "/api/v1/opt-outs?account_id="+s.account.ID, nil, http.StatusOK, &out)
		return len(out.Data) == 1 && out.Data[0].E164 == quitter && out.Data[0].Source == "keyword" && out.Data[0].Keyword == "STOP"
	})
	s.customerSends(quitter, "STOP")
	eventually(t, 20*time.Second, "the replier's campaign message", func() bool { return sentTo(s.emu, replier) == 1 })
	s.customerSends(replier, "Merci, je passe demain")

	var got domain.Campaign
	eventually(t, 60*time.Second, "the campaign completed", func() bool {
		s.admin(http.MethodGet, "/api/v1/campaigns/"+camp.ID, nil, http.StatusOK, &got)
		return got.Status == domain.CampaignCompleted && got.Counts.Replied == 1
	})
	if c := got.Counts; c.Sent != total-1 || c.OptedOut != 1 || c.Pending != 0 {
		t.Fatalf("counts %+v", *c)
	}
	var first, last time.Time
	confirmations := 0
	for _, m := range s.emu.Messages() {
		if m.To == "whatsapp:"+quitter {
			if m.Body != "No more messages. Write START to come back." {
				t.Fatalf("the quitter got %q", m.Body)
			}
			confirmations++
			continue
		}
		if first.IsZero() || m.ReceivedAt.Before(first) {
			first = m.ReceivedAt
		}
		if m.ReceivedAt.After(last) {
			last = m.ReceivedAt
		}
	}
	if confirmations != 1 {
		t.Fatalf("%d opt-out confirmations, want 1", confirmations)
	}
	// 19 sends at 5 a second span 18 intervals of 200 ms (the emulator's clock).
	if span := last.Sub(first); span < 3*time.Second {
		t.Fatalf("19 campaign messages within %v: faster than the sender's 5 a second", span)
	}

	start := map[string]any{"number_id": n.ID, "customer_e164": quitter,
		"template": map[string]any{"name": "promo", "variables": []string{"Ada", "1"}}}
	var e apiError
	s.admin(http.MethodPost, "/api/v1/conversations", start, http.StatusConflict, &e)
	if e.Error.Code != string(domain.CodeOptedOut) {
		t.Fatalf("start to an opted-out number: %+v", e)
	}
	s.customerSends(quitter, "start")
	eventually(t, 10*time.Second, "the opt-in", func() bool {
		var out listResponse[map[string]any]
		s.admin(http.MethodGet, "/api/v1/opt-outs?account_id="+url.QueryEscape(s.account.ID), nil, http.StatusOK, &out)
		return len(out.Data) == 0
	})
	s.admin(http.MethodPost, "/api/v1/opt-outs", map[string]any{"account_id": s.account.ID, "e164": quitter}, http.StatusCreated, nil)
	s.admin(http.MethodDelete, "/api/v1/opt-outs/"+url.PathEscape(quitter)+"?account_id="+s.account.ID, nil, http.StatusNoContent, nil)
	s.admin(http.MethodDelete, "/api/v1/opt-outs/"+url.PathEscape(quitter)+"?account_id="+s.account.ID, nil, http.StatusNotFound, nil)
}
