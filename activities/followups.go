package activities

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// FollowupStore is what the outlived follow-ups (outlive_close) need from
// PostgreSQL (internal/store/followups.go).
type FollowupStore interface {
	SaveOutlivedFollowup(ctx context.Context, f domain.OutlivedFollowup) error
	OutlivedFollowup(ctx context.Context, id string) (domain.OutlivedFollowup, error)
	FinishOutlivedFollowup(ctx context.Context, id, status, messageID, note string) (domain.OutlivedFollowup, error)
	ClaimOutlivedFollowup(ctx context.Context, id string) (domain.OutlivedFollowup, error)
	CustomerWroteSince(ctx context.Context, numberID, e164 string, since time.Time) (bool, error)
}

// SaveOutlivedFollowup writes a follow-up that outlives its
// conversation's close, before its Followup workflow starts (idempotent
// by id).
func (a *Activities) SaveOutlivedFollowup(ctx context.Context, f domain.OutlivedFollowup) error {
	if a.Followups == nil {
		return errors.New("activities: no follow-up store")
	}
	return finalError(a.Followups.SaveOutlivedFollowup(ctx, f))
}

// CheckFollowupInput names an outlived follow-up whose time came.
type CheckFollowupInput struct {
	ScheduleID            string    `json:"schedule_id"`
	NumberID              string    `json:"number_id"`
	CustomerE164          string    `json:"customer_e164"`
	ClosedAt              time.Time `json:"closed_at"`
	CancelOnCustomerReply bool      `json:"cancel_on_customer_reply"`
}

// CheckFollowupOutput says whether to send it; when not, its row as it is
// now (cancelled by an agent, or just now because the customer wrote).
type CheckFollowupOutput struct {
	Send   bool   `json:"send"`
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// CheckFollowup decides, at send_at, whether an outlived follow-up still
// goes out: not when its row is no longer scheduled (an agent cancelled
// it), nor when it is cancel_on_customer_reply and the customer wrote to
// the number since the conversation closed (it is then marked cancelled
// here). Else it claims the row (status sending) and answers send. A row
// that is gone (the customer's data erased) is not sent.
func (a *Activities) CheckFollowup(ctx context.Context, in CheckFollowupInput) (CheckFollowupOutput, error) {
	if a.Followups == nil {
		return CheckFollowupOutput{}, errors.New("activities: no follow-up store")
	}
	f, err := a.Followups.OutlivedFollowup(ctx, in.ScheduleID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return CheckFollowupOutput{Status: "gone", Note: "the follow-up is no longer stored"}, nil
	}
	if err != nil {
		return CheckFollowupOutput{}, err
	}
	if f.Status == domain.FollowupSending {
		// Claimed by an earlier attempt of this check: it goes.
		return CheckFollowupOutput{Send: true, Status: f.Status}, nil
	}
	if f.Status != "scheduled" {
		return CheckFollowupOutput{Status: f.Status, Note: f.Note}, nil
	}
	if in.CancelOnCustomerReply {
		wrote, err := a.Followups.CustomerWroteSince(ctx, in.NumberID, in.CustomerE164, in.ClosedAt)
		if err != nil {
			return CheckFollowupOutput{}, err
		}
		if wrote {
			f, err := a.Followups.FinishOutlivedFollowup(ctx, in.ScheduleID, "cancelled", "", "the customer replied")
			if err != nil {
				return CheckFollowupOutput{}, err
			}
			return CheckFollowupOutput{Status: f.Status, Note: f.Note}, nil
		}
	}
	// Claimed: an agent's DELETE from now on answers "sending" and
	// cancels nothing, so a cancel never answers cancelled for a message
	// that goes out.
	if f, err = a.Followups.ClaimOutlivedFollowup(ctx, in.ScheduleID); err != nil {
		return CheckFollowupOutput{}, err
	}
	if f.Status != domain.FollowupSending {
		return CheckFollowupOutput{Status: f.Status, Note: f.Note}, nil
	}
	return CheckFollowupOutput{Send: true, Status: f.Status}, nil
}

// FinishFollowupInput is an outlived follow-up's outcome.
type FinishFollowupInput struct {
	ScheduleID string `json:"schedule_id"`
	Status     string `json:"status"`
	MessageID  string `json:"message_id,omitempty"`
	Note       string `json:"note,omitempty"`
}

// FinishFollowup records an outlived follow-up's outcome (sent, failed).
func (a *Activities) FinishFollowup(ctx context.Context, in FinishFollowupInput) error {
	if a.Followups == nil {
		return errors.New("activities: no follow-up store")
	}
	_, err := a.Followups.FinishOutlivedFollowup(ctx, in.ScheduleID, in.Status, in.MessageID, in.Note)
	return finalError(err)
}
