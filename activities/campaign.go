package activities

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

// CampaignStore is what the campaign sender reads and writes.
type CampaignStore interface {
	CampaignForSend(ctx context.Context, id string) (domain.CampaignSend, error)
	NextCampaignRecipient(ctx context.Context, campaignID, accountID string) (domain.DueRecipient, bool, *time.Time, error)
	InFlightCampaignRecipients(ctx context.Context, campaignID string) ([]domain.DueRecipient, error)
	ClaimCampaignRecipient(ctx context.Context, campaignID string, seq int, prev *time.Time) (bool, error)
	RecipientState(ctx context.Context, campaignID string, seq int) (string, error)
	FinishCampaignRecipient(ctx context.Context, campaignID string, seq int, o domain.RecipientOutcome) error
	CampaignSIDOwned(ctx context.Context, sid string) (bool, error)
	ThrottleCampaign(ctx context.Context, id string, until time.Time) error
	StartScheduledCampaign(ctx context.Context, id string) error
	EndCampaign(ctx context.Context, id string) error
	MarkUndeliverable(ctx context.Context, accountID, e164 string, code int) error
}

// SlotTaker takes send slots of a sender's pace shared with the
// conversations (PostgreSQL's sender_slots, domain.TakeSenderSlot).
type SlotTaker interface {
	TakeSenderSlot(ctx context.Context, account, sender string, interval, maxWait time.Duration) (time.Duration, bool, error)
}

// Campaigns are the campaign workflow's activities.
type Campaigns struct {
	Store       CampaignStore
	Credentials Credentials
	Twilio      Sender
	Lookup      MessageFinder
	Slots       SlotTaker
	// SenderRate is the sender's limit in messages per second (the pace
	// conversations keep too); 0: unpaced, the campaign's own rate only.
	SenderRate float64
	// StatusCallbackURL returns where Twilio posts delivery statuses.
	StatusCallbackURL func(accountID string) string
	// ClaimSettle is how long after a claim a send may still reach Twilio
	// and be listed (the HTTP timeout plus the listing's delay): a claimed
	// recipient whose send died is looked up until then, never resent
	// blindly. 0: twilio.DefaultTimeout + DefaultLookupSettle.
	ClaimSettle time.Duration
	Logger      *slog.Logger
}

// CampaignBatchInput is one batch of a campaign's sends.
type CampaignBatchInput struct {
	CampaignID  string
	MaxSends    int
	MaxDuration time.Duration
}

// What a batch says the workflow should do next.
const (
	CampaignNext   = "next"   // more to send: run the next batch
	CampaignWait   = "wait"   // nothing due before WaitUntil (start time, quiet hours, a 429)
	CampaignPaused = "paused" // wait for a resume or a cancel
	CampaignDone   = "done"   // completed or cancelled
)

// CampaignBatchOutput is how a batch ended.
type CampaignBatchOutput struct {
	Sent      int
	Next      string
	WaitUntil time.Time
}

// throttleBase is how long a campaign holds its sends after a 429; each
// further 429 in a row doubles it, up to throttleMax.
const (
	throttleBase = 2 * time.Second
	throttleMax  = time.Minute
)

func (a *Campaigns) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

// SendCampaignBatch sends to a campaign's due recipients, in list order,
// until MaxSends or MaxDuration, and says what comes next. Each recipient
// is claimed in PostgreSQL before its request leaves and finished after;
// a claim found unfinished (the sender died) is resolved by the status
// callback that names it or by looking the message up on Twilio before
// anything is sent again: each recipient gets one message.
func (a *Campaigns) SendCampaignBatch(ctx context.Context, in CampaignBatchInput) (CampaignBatchOutput, error) {
	out := CampaignBatchOutput{Next: CampaignNext}
	deadline := time.Now().Add(in.MaxDuration)
	var lastSend time.Time
	throttle := throttleBase
	for out.Sent < in.MaxSends && time.Now().Before(deadline) {
		activity.RecordHeartbeat(ctx, out.Sent)
		c, err := a.Store.CampaignForSend(ctx, in.CampaignID)
		if err != nil {
			if domain.ErrorCode(err) == domain.CodeNotFound {
				return CampaignBatchOutput{Next: CampaignDone}, nil
			}
			return out, err
		}
		now := time.Now()
		if c.StartAt != nil && c.StartAt.After(now) && (c.Status == domain.CampaignRunning || c.Status == domain.CampaignScheduled) {
			return CampaignBatchOutput{Sent: out.Sent, Next: CampaignWait, WaitUntil: *c.StartAt}, nil
		}
		switch c.Status {
		case domain.CampaignPaused:
			out.Next = CampaignPaused
			return out, nil
		case domain.CampaignCancelled:
			out.Next = CampaignDone
			if err := a.settleCancelled(ctx, c); err != nil {
				return out, err
			}
			return out, a.Store.EndCampaign(ctx, c.ID)
		case domain.CampaignCompleted:
			out.Next = CampaignDone
			return out, a.Store.EndCampaign(ctx, c.ID)
		case domain.CampaignScheduled:
			if err := a.Store.StartScheduledCampaign(ctx, c.ID); err != nil {
				return out, err
			}
			continue
		}
		if c.ThrottledUntil != nil && c.ThrottledUntil.After(now) {
			return CampaignBatchOutput{Sent: out.Sent, Next: CampaignWait, WaitUntil: *c.ThrottledUntil}, nil
		}
		r, found, next, err := a.Store.NextCampaignRecipient(ctx, c.ID, c.AccountID)
		if err != nil {
			return out, err
		}
		if !found {
			if next != nil {
				return CampaignBatchOutput{Sent: out.Sent, Next: CampaignWait, WaitUntil: *next}, nil
			}
			out.Next = CampaignDone
			return out, a.Store.EndCampaign(ctx, c.ID)
		}
		if r.Skip != "" {
			if err := a.skip(ctx, c.ID, r); err != nil {
				return out, err
			}
			continue
		}
		if r.State == domain.RecipientPending {
			if at := c.Quiet.NextSendable(now, domain.RecipientZone(r.TimeZone, r.To)); at.After(now) {
				if err := a.Store.FinishCampaignRecipient(ctx, c.ID, r.Seq, domain.RecipientOutcome{State: domain.RecipientPending, NotBefore: &at}); err != nil {
					return out, err
				}
				continue
			}
		}
		creds, err := a.Credentials.Credentials(ctx, c.AccountID)
		if err != nil {
			if domain.ErrorCode(err) == domain.CodeNotFound {
				return out, temporal.NewNonRetryableApplicationError("account is gone", ErrTypeConfig, err)
			}
			return out, err
		}
		if r.State == domain.RecipientSending {
			done, err := a.resolveClaim(ctx, c, r, creds)
			if err != nil || done {
				if err != nil {
					return out, err
				}
				continue
			}
		}
		if err := a.pace(ctx, creds.AccountSID, c, &lastSend); err != nil {
			return out, err
		}
		var prev *time.Time
		if r.State == domain.RecipientSending {
			prev = r.ClaimedAt
		}
		if ok, err := a.Store.ClaimCampaignRecipient(ctx, c.ID, r.Seq, prev); err != nil || !ok {
			if err != nil {
				return out, err
			}
			continue
		}
		res, sendErr := a.Twilio.Send(ctx, a.request(c, r, creds))
		held, err := a.finish(ctx, c, r, res, sendErr, &throttle)
		if err != nil {
			return out, err
		}
		if held != nil {
			return CampaignBatchOutput{Sent: out.Sent, Next: CampaignWait, WaitUntil: *held}, nil
		}
		out.Sent++
	}
	return out, nil
}

// settleCancelled gives every recipient of a cancelled campaign whose send
// is in flight (claimed, never finished: an ambiguous failure, a worker
// that died) its outcome before the campaign ends: sent when Twilio
// created the message (the status callback or the lookup says so), else
// skipped with reason cancelled. Nothing is sent any more; the pending
// ones are skipped by EndCampaign. No recipient is left sending.
func (a *Campaigns) settleCancelled(ctx context.Context, c domain.CampaignSend) error {
	rs, err := a.Store.InFlightCampaignRecipients(ctx, c.ID)
	if err != nil || len(rs) == 0 {
		return err
	}
	creds, err := a.Credentials.Credentials(ctx, c.AccountID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return temporal.NewNonRetryableApplicationError("account is gone", ErrTypeConfig, err)
		}
		return err
	}
	for _, r := range rs {
		done, err := a.resolveClaim(ctx, c, r, creds)
		if err != nil {
			return err
		}
		if done {
			continue
		}
		o := domain.RecipientOutcome{State: domain.RecipientSkipped, Reason: "cancelled"}
		if err := a.Store.FinishCampaignRecipient(ctx, c.ID, r.Seq, o); err != nil {
			return err
		}
	}
	return nil
}

func (a *Campaigns) skip(ctx context.Context, campaignID string, r domain.DueRecipient) error {
	o := domain.RecipientOutcome{State: domain.RecipientOptedOut, Reason: "opted_out"}
	if r.Skip != domain.RecipientOptedOut {
		o = domain.RecipientOutcome{State: domain.RecipientSkipped, Reason: "undeliverable"}
	}
	return a.Store.FinishCampaignRecipient(ctx, campaignID, r.Seq, o)
}

func (a *Campaigns) request(c domain.CampaignSend, r domain.DueRecipient, creds domain.Credentials) twilio.SendRequest {
	req := twilio.SendRequest{Credentials: creds, From: c.From, To: r.To, SlotTaken: a.SenderRate > 0}
	if c.ContentSID != "" {
		req.ContentSID = c.ContentSID
		req.ContentVariables = make(map[string]string, len(r.Variables))
		for i, v := range r.Variables {
			req.ContentVariables[strconv.Itoa(i+1)] = v
		}
	} else {
		body, _ := domain.RenderTemplate(c.Body, r.Variables) // checked when the campaign was created
		req.Body = body
	}
	if a.StatusCallbackURL != nil {
		req.StatusCallback = withRecipient(a.StatusCallbackURL(c.AccountID), domain.RecipientRef(c.ID, r.Seq))
	}
	return req
}

// finish records a send's outcome. held is set when Twilio said 429: the
// campaign holds its sends until then (the agents' replies go on).
func (a *Campaigns) finish(ctx context.Context, c domain.CampaignSend, r domain.DueRecipient, res twilio.SendResult, sendErr error, throttle *time.Duration) (held *time.Time, err error) {
	if sendErr == nil {
		return nil, a.Store.FinishCampaignRecipient(ctx, c.ID, r.Seq, domain.RecipientOutcome{State: domain.RecipientSent, SID: res.SID, Delivery: res.Status})
	}
	te := twilio.Classify(sendErr)
	switch {
	case res.SID != "" || te.Kind != twilio.Retryable:
		o := domain.RecipientOutcome{State: domain.RecipientFailed, SID: res.SID, Delivery: domain.StatusFailed, ErrorCode: te.Code}
		if err := a.Store.FinishCampaignRecipient(ctx, c.ID, r.Seq, o); err != nil {
			return nil, err
		}
		if domain.IsFinalRecipientError(te.Code) {
			return nil, a.Store.MarkUndeliverable(ctx, c.AccountID, r.To, te.Code)
		}
		return nil, nil
	case te.Ambiguous:
		// Twilio may have created it: the claim stays, and the next pass
		// resolves it by looking before sending again.
		a.logger().Warn("campaign send failed ambiguously; it is looked up before any resend",
			"campaign_id", c.ID, "seq", r.Seq, "status", te.HTTPStatus)
		return nil, nil
	}
	// Not created (429, refused connection): back to pending.
	if err := a.Store.FinishCampaignRecipient(ctx, c.ID, r.Seq, domain.RecipientOutcome{State: domain.RecipientPending}); err != nil {
		return nil, err
	}
	if te.HTTPStatus == 429 || te.Code == 20429 {
		until := time.Now().Add(*throttle)
		*throttle = min(2**throttle, throttleMax)
		a.logger().Warn("Twilio asked to slow down; the campaign holds its sends", "campaign_id", c.ID, "until", until)
		return &until, a.Store.ThrottleCampaign(ctx, c.ID, until)
	}
	return nil, retryLater(ctx, te)
}

// pace waits for the campaign's own rate, then for a slot of the sender's
// pace shared with the conversations. A campaign takes only a slot that is
// free now, never one in the future: conversations' sends queue for future
// slots, so while agents and bots are sending the campaign waits for a gap
// and never delays them by more than one slot.
func (a *Campaigns) pace(ctx context.Context, account string, c domain.CampaignSend, last *time.Time) error {
	if !last.IsZero() && c.RatePerSecond > 0 {
		next := last.Add(time.Duration(float64(time.Second) / c.RatePerSecond))
		if err := sleepCtx(ctx, time.Until(next)); err != nil {
			return err
		}
	}
	if a.SenderRate > 0 {
		interval := time.Duration(float64(time.Second) / a.SenderRate)
		sender := c.From
		for {
			_, ok, err := a.Slots.TakeSenderSlot(ctx, account, sender, interval, 0)
			if err != nil {
				return err
			}
			if ok {
				break
			}
			// A long wait (agents keeping the sender busy) still beats:
			// Temporal must not think this sender dead and start another.
			activity.RecordHeartbeat(ctx, "pacing")
			if err := sleepCtx(ctx, max(interval/2, 5*time.Millisecond)); err != nil {
				return err
			}
		}
	}
	*last = time.Now()
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Campaigns) claimSettle() time.Duration {
	if a.ClaimSettle > 0 {
		return a.ClaimSettle
	}
	return twilio.DefaultTimeout + DefaultLookupSettle
}

// resolveClaim finds out whether the send of a recipient claimed by a
// sender that died reached Twilio: the row first (its status callback
// names the recipient and records the SID), then Twilio's list of messages,
// until the claim is settled. done: the recipient has its outcome; !done
// with no error: Twilio did not create it, send it.
func (a *Campaigns) resolveClaim(ctx context.Context, c domain.CampaignSend, r domain.DueRecipient, creds domain.Credentials) (bool, error) {
	finder := a.Lookup
	if finder == nil {
		if f, ok := a.Twilio.(MessageFinder); ok {
			finder = f
		}
	}
	if finder == nil {
		return false, temporal.NewNonRetryableApplicationError("no Twilio lookup configured", ErrTypeConfig, nil)
	}
	since := time.Now()
	if r.ClaimedAt != nil {
		since = *r.ClaimedAt
	}
	settled := since.Add(a.claimSettle())
	log := a.logger().With("campaign_id", c.ID, "seq", r.Seq)
	for {
		activity.RecordHeartbeat(ctx, "resolving")
		state, err := a.Store.RecipientState(ctx, c.ID, r.Seq)
		if err != nil {
			return false, err
		}
		if state != domain.RecipientSending {
			log.Info("unfinished campaign send resolved: a status callback recorded it")
			return true, nil
		}
		found, err := finder.FindMessages(ctx, twilio.LookupRequest{Credentials: creds, From: c.From, To: r.To,
			Body: a.request(c, r, creds).Body, Template: c.ContentSID != "", Since: since, Until: time.Now()})
		if err != nil {
			var te *twilio.Error
			if errors.As(err, &te) && te.Kind == twilio.Retryable {
				return false, retryLater(ctx, te)
			}
			return false, err
		}
		for _, f := range found {
			owned, err := a.Store.CampaignSIDOwned(ctx, f.SID)
			if err != nil {
				return false, err
			}
			if owned {
				continue
			}
			log.Info("unfinished campaign send resolved: Twilio had created it", "sid", f.SID)
			o := domain.RecipientOutcome{State: domain.RecipientSent, SID: f.SID, Delivery: f.Status, ErrorCode: f.ErrorCode}
			if f.Status.IsFailure() {
				o.State = domain.RecipientFailed
			}
			return true, a.Store.FinishCampaignRecipient(ctx, c.ID, r.Seq, o)
		}
		left := time.Until(settled)
		if left <= 0 {
			log.Info("unfinished campaign send resolved: Twilio did not create it; sending")
			return false, nil
		}
		if err := sleepCtx(ctx, min(left, lookupEvery)); err != nil {
			return false, err
		}
	}
}

// withRecipient names the campaign recipient in the status callback URL
// (signed by Twilio with the rest of it), so that the first callback of a
// message whose sender died before recording the SID records it.
func withRecipient(callback, ref string) string {
	u, err := url.Parse(callback)
	if err != nil {
		return callback
	}
	q := u.Query()
	q.Set("campaign_recipient", ref)
	u.RawQuery = q.Encode()
	return u.String()
}
