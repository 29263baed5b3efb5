package activities

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/testsuite"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/internal/twilio"
)

// campaignRig runs SendCampaignBatch against the Twilio emulator (through
// the real client) with its rows in PostgreSQL.
type campaignRig struct {
	t         *testing.T
	st        *store.Store
	emu       *emulator.Emulator
	acts      *Campaigns
	accountID string
	numberID  string
}

func newCampaignRig(t *testing.T, senderRate float64) *campaignRig {
	t.Helper()
	emu := emulator.New(emulator.Config{StatusCallbackDelay: time.Hour})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	emu.AddAccount(fixedSID, fixedToken)
	emu.ConfigureSender(fixedSID, ambSender, "")
	st := storetest.New(t)
	acc, err := st.CreateAccount(context.Background(), store.NewAccount{Name: "A", AccountSID: fixedSID, AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "n", E164: ambSender}}})
	if err != nil {
		t.Fatal(err)
	}
	tw := twilio.NewClient(twilio.Config{APIBase: srv.URL, Timeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler),
		RatePerSender: senderRate, Slots: st})
	return &campaignRig{t: t, st: st, emu: emu, accountID: acc.ID, numberID: acc.Numbers[0].ID,
		acts: &Campaigns{Store: st, Credentials: fixedCreds{}, Twilio: tw, Slots: st, SenderRate: senderRate,
			ClaimSettle: 500 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}}
}

func recipientNumber(i int) string { return fmt.Sprintf("+336100000%02d", i) }

func (r *campaignRig) campaign(n int) string {
	r.t.Helper()
	rs := make([]domain.CampaignRecipient, n)
	for i := range rs {
		rs[i] = domain.CampaignRecipient{To: recipientNumber(i + 1), Variables: []string{fmt.Sprint("client ", i+1)}}
	}
	c, _, err := r.st.CreateCampaign(context.Background(), store.NewCampaign{ID: uuid.NewString(), AccountID: r.accountID,
		NumberID: r.numberID, TemplateID: uuid.NewString(), Name: "promo", TemplateName: "promo", Language: "fr",
		Body: "Bonjour {{1}}", RatePerSecond: 50}, rs, store.Audit{})
	if err != nil {
		r.t.Fatal(err)
	}
	return c.ID
}

func (r *campaignRig) batch(id string) CampaignBatchOutput {
	r.t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(r.acts)
	val, err := env.ExecuteActivity(r.acts.SendCampaignBatch, CampaignBatchInput{CampaignID: id, MaxSends: 100, MaxDuration: time.Minute})
	if err != nil {
		r.t.Fatal(err)
	}
	var out CampaignBatchOutput
	if err := val.Get(&out); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// run runs batches as the workflow does until the campaign is done.
func (r *campaignRig) run(id string) {
	r.t.Helper()
	for range 20 {
		out := r.batch(id)
		switch out.Next {
		case CampaignDone:
			return
		case CampaignWait:
			time.Sleep(time.Until(out.WaitUntil))
		case CampaignPaused:
			r.t.Fatal("paused")
		}
	}
	r.t.Fatal("the campaign did not end in 20 batches")
}

func (r *campaignRig) sentTo(to string) int {
	n := 0
	for _, m := range r.emu.Messages() {
		if m.To == "whatsapp:"+to {
			n++
		}
	}
	return n
}

// TestCampaignSendsEachRecipientOnce: opted-out and undeliverable numbers
// are skipped, a final refusal marks the number, a 500 after Twilio created
// the message and a dropped request that created nothing are resolved by
// looking (one message each), and a 429 holds the campaign and then goes on.
func TestCampaignSendsEachRecipientOnce(t *testing.T) {
	r := newCampaignRig(t, 0)
	ctx := context.Background()
	id := r.campaign(12)
	db := r.st.DB()
	if _, err := db.Exec(`INSERT INTO opt_outs (account_id, e164, source) VALUES ($1, $2, 'admin')`, r.accountID, recipientNumber(2)); err != nil {
		t.Fatal(err)
	}
	if err := r.st.MarkUndeliverable(ctx, r.accountID, recipientNumber(3), 63024); err != nil {
		t.Fatal(err)
	}
	r.emu.InjectFailure(emulator.Failure{To: recipientNumber(4), Count: 1, HTTPStatus: 400, ErrorCode: 21211})
	r.emu.InjectFailure(emulator.Failure{To: recipientNumber(5), Count: 1, HTTPStatus: 500, Accept: true})
	r.emu.InjectFailure(emulator.Failure{To: recipientNumber(6), Count: 1, Drop: true})
	r.emu.InjectFailure(emulator.Failure{To: recipientNumber(7), Count: 1, HTTPStatus: 429, ErrorCode: 20429})
	r.run(id)

	for i := 1; i <= 12; i++ {
		want := 1
		if i >= 2 && i <= 4 {
			want = 0
		}
		if got := r.sentTo(recipientNumber(i)); got != want {
			t.Errorf("recipient %d got %d messages, want %d", i, got, want)
		}
	}
	c, err := r.st.GetCampaign(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := *c.Counts
	if got.Sent != 9 || got.Failed != 1 || got.FailedBy["21211"] != 1 || got.OptedOut != 1 || got.Skipped != 1 || got.Pending != 0 {
		t.Fatalf("counts %+v", got)
	}
	if c.Status != domain.CampaignCompleted {
		t.Fatalf("status %s", c.Status)
	}
	var marked bool
	if err := db.Get(&marked, `SELECT EXISTS (SELECT 1 FROM undeliverable_numbers WHERE account_id = $1 AND e164 = $2)`,
		r.accountID, recipientNumber(4)); err != nil || !marked {
		t.Fatalf("21211 did not mark the number undeliverable (%v)", err)
	}
}

// TestCampaignLetsConversationsGoFirst: with the sender's next second of
// slots taken by conversations' sends, the campaign waits for a free slot
// instead of queueing among them.
func TestCampaignLetsConversationsGoFirst(t *testing.T) {
	r := newCampaignRig(t, 10)
	id := r.campaign(1)
	interval := 100 * time.Millisecond
	for range 10 {
		if _, ok, err := r.st.TakeSenderSlot(context.Background(), fixedSID, ambSender, interval, time.Hour); err != nil || !ok {
			t.Fatal(ok, err)
		}
	}
	start := time.Now()
	r.run(id)
	if waited := time.Since(start); waited < 800*time.Millisecond {
		t.Fatalf("the campaign sent after %v, ahead of the conversations' queued sends (about 1 s)", waited)
	}
	if r.sentTo(recipientNumber(1)) != 1 {
		t.Fatal("not sent")
	}
}

// TestQuietHoursAreTheRecipientsOwn: quiet hours around the present hour
// in Paris (and not in UTC, the quiet hours' own zone) hold the French
// recipient, whose zone comes from the number's calling code, until they
// end, while the Japanese recipient (in Tokyo it is 7 or 8 hours later)
// is sent to at once.
func TestQuietHoursAreTheRecipientsOwn(t *testing.T) {
	r := newCampaignRig(t, 0)
	ctx := context.Background()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(paris)
	start, end := now.Add(-30*time.Minute), now.Add(30*time.Minute)
	q := &domain.QuietHours{Start: start.Format("15:04"), End: end.Format("15:04"), TimeZone: "UTC"}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	french, japanese := "+33612345601", "+81312345602"
	rs := []domain.CampaignRecipient{{To: french, Variables: []string{"Ada"}}, {To: japanese, Variables: []string{"Kenji"}}}
	c, _, err := r.st.CreateCampaign(ctx, store.NewCampaign{ID: uuid.NewString(), AccountID: r.accountID,
		NumberID: r.numberID, TemplateID: uuid.NewString(), Name: "zones", TemplateName: "promo", Language: "fr",
		Body: "Bonjour {{1}}", RatePerSecond: 50, QuietHours: q}, rs, store.Audit{})
	if err != nil {
		t.Fatal(err)
	}
	out := r.batch(c.ID)
	if r.sentTo(japanese) != 1 || r.sentTo(french) != 0 {
		t.Fatalf("sent to Tokyo %d, to Paris %d: want 1 and 0", r.sentTo(japanese), r.sentTo(french))
	}
	wantEnd := time.Date(end.Year(), end.Month(), end.Day(), end.Hour(), end.Minute(), 0, 0, paris)
	if out.Next != CampaignWait || !out.WaitUntil.Equal(wantEnd) {
		t.Fatalf("batch %+v, want to wait until %v (the end of the quiet hours in Paris)", out, wantEnd)
	}
	var notBefore time.Time
	if err := r.st.DB().Get(&notBefore, `SELECT not_before FROM campaign_recipients WHERE campaign_id = $1 AND to_e164 = $2 AND state = 'pending'`,
		c.ID, french); err != nil {
		t.Fatal(err)
	}
	if !notBefore.Equal(wantEnd) {
		t.Fatalf("the French recipient is deferred to %v, want %v", notBefore, wantEnd)
	}
	// A zone given in the list wins over the number's: a French number
	// said to be in Tokyo is not quiet now.
	if z := domain.RecipientZone("Asia/Tokyo", french); z != "Asia/Tokyo" {
		t.Fatalf("the list's zone lost to the number's: %s", z)
	}
}

// TestCancelSettlesSendsInFlight: a campaign cancelled while a send is in
// flight (Twilio created the message but its answer never came back) and
// another recipient's claim was left by a dead worker (nothing created)
// ends with every recipient settled: the first sent (found on Twilio),
// the others skipped with reason cancelled, none pending or sending, and
// nothing sent after the cancel.
func TestCancelSettlesSendsInFlight(t *testing.T) {
	r := newCampaignRig(t, 0)
	ctx := context.Background()
	id := r.campaign(4)
	db := r.st.DB()
	r.emu.InjectFailure(emulator.Failure{To: recipientNumber(1), Count: 1, HoldAfterAccept: 3 * time.Second})
	if _, err := db.Exec(`UPDATE campaign_recipients SET state = 'sending', claimed_at = now() WHERE campaign_id = $1 AND seq = 2`, id); err != nil {
		t.Fatal(err)
	}
	done := make(chan CampaignBatchOutput, 1)
	go func() { done <- r.batch(id) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var state string
		if err := db.Get(&state, `SELECT state FROM campaign_recipients WHERE campaign_id = $1 AND seq = 1`, id); err != nil {
			t.Fatal(err)
		}
		if state == domain.RecipientSending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first recipient was never claimed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := r.st.SetCampaignStatus(ctx, id, []string{domain.CampaignRunning}, domain.CampaignCancelled, store.Audit{}); err != nil {
		t.Fatal(err)
	}
	var out CampaignBatchOutput
	select {
	case out = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the batch did not end")
	}
	if out.Next != CampaignDone {
		t.Fatalf("batch %+v, want done", out)
	}
	type row struct {
		Seq    int     `db:"seq"`
		State  string  `db:"state"`
		Reason *string `db:"skip_reason"`
		SID    *string `db:"twilio_sid"`
	}
	var rows []row
	if err := db.Select(&rows, `SELECT seq, state, skip_reason, twilio_sid FROM campaign_recipients WHERE campaign_id = $1 ORDER BY seq`, id); err != nil {
		t.Fatal(err)
	}
	for _, w := range rows {
		switch {
		case w.Seq == 1:
			if w.State != domain.RecipientSent || w.SID == nil {
				t.Errorf("recipient 1 (created on Twilio): %s, sid %v; want sent with its SID", w.State, w.SID)
			}
		case w.State != domain.RecipientSkipped || w.Reason == nil || *w.Reason != "cancelled":
			t.Errorf("recipient %d: %s (%v), want skipped: cancelled", w.Seq, w.State, w.Reason)
		}
	}
	for i := 1; i <= 4; i++ {
		want := 0
		if i == 1 {
			want = 1
		}
		if got := r.sentTo(recipientNumber(i)); got != want {
			t.Errorf("recipient %d got %d messages, want %d", i, got, want)
		}
	}
	c, err := r.st.GetCampaign(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := *c.Counts; got.Sent != 1 || got.Skipped != 3 || got.Pending != 0 || c.Status != domain.CampaignCancelled {
		t.Fatalf("status %s, counts %+v", c.Status, got)
	}
}
