package store_test

import (
	"context"
	"testing"

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
