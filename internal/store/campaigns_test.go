package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestCampaignStatusesOptOutsAndReplies: callbacks move a recipient's
// delivery forward only, a final recipient error marks the number, the
// opt-out keyword of the number's workstream matches however it is
// written, the opt-out list keeps its first source, and a reply is
// counted once on the latest campaign message.
func TestCampaignStatusesOptOutsAndReplies(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	ws := mustWorkstream(t, st, "W", nil)
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100", WorkstreamID: &ws.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	num := acc.Numbers[0]
	a, b := "+33612340001", "+33612340002"
	camp, created, err := st.CreateCampaign(ctx, store.NewCampaign{ID: uuid.NewString(), AccountID: acc.ID, NumberID: num.ID,
		TemplateID: uuid.NewString(), Name: "spring", TemplateName: "t", Language: "fr", Body: "b", RatePerSecond: 1},
		[]domain.CampaignRecipient{{To: a}, {To: b}}, store.Audit{})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	again, created, err := st.CreateCampaign(ctx, store.NewCampaign{ID: camp.ID, AccountID: acc.ID, NumberID: num.ID,
		TemplateID: uuid.NewString(), Name: "spring", TemplateName: "t", Language: "fr", Body: "b", RatePerSecond: 1},
		[]domain.CampaignRecipient{{To: a}}, store.Audit{})
	if err != nil || created || again.Total != 2 {
		t.Fatalf("the same id again: created %v, total %d, %v", created, again.Total, err)
	}
	for seq, sid := range map[int]string{1: "SM" + hex32("a"), 2: "SM" + hex32("b")} {
		if err := st.FinishCampaignRecipient(ctx, camp.ID, seq, domain.RecipientOutcome{State: domain.RecipientSent, SID: sid, Delivery: domain.StatusQueued}); err != nil {
			t.Fatal(err)
		}
	}
	apply := func(sid string, status domain.MessageStatus, code int) {
		t.Helper()
		if up, err := st.ApplyCampaignStatus(ctx, acc.ID, sid, status, code); err != nil || !up.Known {
			t.Fatal(up, err)
		}
	}
	apply("SM"+hex32("a"), domain.StatusRead, 0)
	apply("SM"+hex32("a"), domain.StatusDelivered, 0) // late: ignored
	apply("SM"+hex32("b"), domain.StatusUndelivered, 63024)
	got, err := st.GetCampaign(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Counts; c.Sent != 1 || c.Read != 1 || c.Delivered != 1 || c.Failed != 1 || c.FailedBy["63024"] != 1 {
		t.Fatalf("counts %+v", *c)
	}
	var undeliverable bool
	if err := st.DB().Get(&undeliverable, `SELECT EXISTS (SELECT 1 FROM undeliverable_numbers WHERE e164 = $1)`, b); err != nil || !undeliverable {
		t.Fatal("63024 did not mark the number", err)
	}

	id, name, err := st.RecordCampaignReply(ctx, num.ID, a)
	if err != nil || id != camp.ID || name != "spring" {
		t.Fatal(id, name, err)
	}
	if _, _, err := st.RecordCampaignReply(ctx, num.ID, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetCampaign(ctx, camp.ID); got.Counts.Replied != 1 {
		t.Fatalf("replied %d", got.Counts.Replied)
	}

	if err := st.SetOptKeywords(ctx, ws.ID, []store.OptKeyword{{Language: "fr", Kind: "opt_out", Keyword: "arret", Confirmation: "ok"},
		{Language: "en", Kind: "opt_in", Keyword: "START", Confirmation: "welcome"}}, store.Audit{}); err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{" Arret. ": "opt_out", "start": "opt_in", "arret please": "", "": ""} {
		k, ok, err := st.MatchOptKeyword(ctx, num.ID, body)
		if err != nil || ok != (want != "") || k.Kind != want {
			t.Errorf("%q: %+v %v %v", body, k, ok, err)
		}
	}
	first, added, err := st.AddOptOut(ctx, store.OptOut{AccountID: acc.ID, E164: a, Source: "keyword", Keyword: "ARRET"}, store.Audit{})
	if err != nil || !added {
		t.Fatal(added, err)
	}
	second, added, err := st.AddOptOut(ctx, store.OptOut{AccountID: acc.ID, E164: a, Source: "admin"}, store.Audit{})
	if err != nil || added || second.Source != "keyword" || !second.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("second opt-out: added %v, %+v, %v", added, second, err)
	}
	if yes, _ := st.IsOptedOut(ctx, acc.ID, a); !yes {
		t.Fatal("not opted out")
	}
	if removed, err := st.RemoveOptOut(ctx, acc.ID, a, store.Audit{}); err != nil || !removed {
		t.Fatal(removed, err)
	}
	if yes, _ := st.IsOptedOut(ctx, acc.ID, a); yes {
		t.Fatal("still opted out")
	}
}

func hex32(c string) string {
	s := ""
	for len(s) < 32 {
		s += c
	}
	return s
}

// TestCampaignReplyLinkFindsTheLastCampaignMessage: a customer's message
// answers the last campaign message sent to them from that number within
// domain.CampaignReplyWindow (rendered, with its template and delivery),
// never one sent from another number, one older than the window, a failed
// one, or one already copied into a conversation's transcript.
func TestCampaignReplyLinkFindsTheLastCampaignMessage(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	acc, err := st.CreateAccount(ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: "+14155550100"}, {Name: "m", E164: "+14155550101"}}})
	if err != nil {
		t.Fatal(err)
	}
	num, other := acc.Numbers[0], acc.Numbers[1]
	a, b := "+33612340001", "+33612340002"
	newCampaign := func(name string) domain.Campaign {
		t.Helper()
		c, _, err := st.CreateCampaign(ctx, store.NewCampaign{ID: uuid.NewString(), AccountID: acc.ID, NumberID: num.ID,
			TemplateID: uuid.NewString(), Name: name, TemplateName: "promo", Language: "fr", Body: "Bonjour {{1}}", RatePerSecond: 1},
			[]domain.CampaignRecipient{{To: a, Variables: []string{"Ada"}}, {To: b, Variables: []string{"Bob"}}}, store.Audit{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	older, newer := newCampaign("winter"), newCampaign("spring")
	finish := func(c domain.Campaign, seq int, sid string, state string, ago time.Duration) {
		t.Helper()
		if err := st.FinishCampaignRecipient(ctx, c.ID, seq, domain.RecipientOutcome{State: state, SID: sid, Delivery: domain.StatusSent}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE campaign_recipients SET sent_at = now() - $3::interval WHERE campaign_id = $1 AND seq = $2`,
			c.ID, seq, fmt.Sprintf("%d seconds", int(ago.Seconds()))); err != nil {
			t.Fatal(err)
		}
	}
	finish(older, 1, "SM"+hex32("1"), domain.RecipientSent, 3*24*time.Hour)
	finish(newer, 1, "SM"+hex32("2"), domain.RecipientSent, time.Hour)
	finish(older, 2, "SM"+hex32("3"), domain.RecipientSent, domain.CampaignReplyWindow+time.Hour)
	finish(newer, 2, "SM"+hex32("4"), domain.RecipientFailed, time.Hour)
	if up, err := st.ApplyCampaignStatus(ctx, acc.ID, "SM"+hex32("2"), domain.StatusRead, 0); err != nil || !up.Known {
		t.Fatal(up, err)
	}

	l, err := st.CampaignReplyLink(ctx, num.ID, a)
	if err != nil || l == nil {
		t.Fatal(l, err)
	}
	if l.CampaignID != newer.ID || l.CampaignName != "spring" || l.Seq != 1 || l.SID != "SM"+hex32("2") || l.Body != "Bonjour Ada" ||
		l.Status != domain.StatusRead || l.Template == nil || l.Template.Name != "promo" || len(l.Template.Variables) != 1 ||
		time.Since(l.SentAt) < 59*time.Minute || time.Since(l.SentAt) > 61*time.Minute {
		t.Fatalf("link %+v", *l)
	}
	for _, c := range []struct{ number, to, why string }{
		{other.ID, a, "another number"}, {num.ID, b, "older than the window, or failed"}, {num.ID, "+33612340003", "no campaign message"},
	} {
		if l, err := st.CampaignReplyLink(ctx, c.number, c.to); err != nil || l != nil {
			t.Errorf("%s: link %+v (%v)", c.why, l, err)
		}
	}

	// Copied into the transcript of the conversation the reply opened:
	// the link is not found again.
	conv := domain.ConversationRecord{ID: uuid.NewString(), WorkflowID: "conv:x", AccountID: acc.ID, NumberID: num.ID,
		CustomerE164: a, State: domain.StateQueued, Mode: domain.ModeSession, Campaign: l}
	reply := domain.InboundMessage{MessageSID: "SM" + hex32("9"), AccountID: acc.ID, NumberID: num.ID, From: a, To: num.E164,
		Body: "oui", ReceivedAt: time.Now()}
	for range 2 { // a retried write copies nothing twice
		if _, err := st.RecordInbound(ctx, conv, []domain.InboundMessage{reply}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := st.ListMessages(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Author != domain.AuthorCampaign || msgs[0].Body != "Bonjour Ada" || msgs[1].Body != "oui" {
		t.Fatalf("transcript %+v", msgs)
	}
	got, err := st.GetConversation(ctx, conv.ID)
	if err != nil || got.CampaignID == nil || *got.CampaignID != newer.ID || got.CampaignName == nil || *got.CampaignName != "spring" {
		t.Fatalf("conversation %+v (%v)", got, err)
	}
	if l, err := st.CampaignReplyLink(ctx, num.ID, a); err != nil || l != nil {
		t.Fatalf("a campaign message already in a transcript was linked again: %+v (%v)", l, err)
	}
	// A delivery status after the copy moves the copy too.
	if _, err := st.DB().Exec(`UPDATE campaign_recipients SET delivery = 'delivered' WHERE twilio_sid = $1`, "SM"+hex32("2")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE messages SET status = 'delivered' WHERE twilio_sid = $1`, "SM"+hex32("2")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyCampaignStatus(ctx, acc.ID, "SM"+hex32("2"), domain.StatusRead, 0); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := st.ListMessages(ctx, conv.ID); msgs[0].Status != domain.StatusRead {
		t.Fatalf("the copy's status is %s after a read callback", msgs[0].Status)
	}
}
