package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

// Sender sends one message through Twilio.
type Sender interface {
	Send(ctx context.Context, req twilio.SendRequest) (twilio.SendResult, error)
}

// SendInput is one outbound message to hand to Twilio; its row exists already.
type SendInput struct {
	MessageID        string
	AccountID        string
	From             string // our number, E.164
	To               string // the customer, E.164
	Body             string
	MediaURLs        []string
	ContentSID       string
	ContentVariables map[string]string
	// Interactive is sent with the Content SID created for it (cached per
	// account): buttons or a list, in place of Body.
	Interactive *domain.Interactive `json:",omitempty"`
}

// SendOutput is the message after Twilio accepted or refused it.
type SendOutput struct {
	Message      domain.Message
	ErrorCode    int
	WindowClosed bool // Twilio answered 63016: only templates until the customer writes
}

// Error types an activity returns; the workflow reads them from ApplicationError.Type.
const (
	ErrTypeConfig = "CONFIG" // the account or its credentials are gone: retrying cannot help
)

// SendMessage hands one stored outbound message to Twilio, at most once per
// known SID: when a previous attempt got a SID (kept in the row or in the
// activity heartbeat) it returns that result instead of sending again. A
// previous attempt that failed ambiguously (Twilio may have created the
// message) is resolved first, by the row and by looking the message up on
// Twilio (send_ambiguous.go): never resent blindly.
func (a *Activities) SendMessage(ctx context.Context, in SendInput) (SendOutput, error) {
	msg, err := a.Store.GetMessage(ctx, in.MessageID)
	if err != nil {
		return SendOutput{}, err
	}
	if msg.TwilioSID != nil || msg.Status.IsFailure() {
		return SendOutput{Message: msg}, nil
	}
	progress := loadProgress(ctx)
	if progress.SID != "" {
		return a.recordSID(ctx, in.MessageID, progress.SID, domain.StatusQueued)
	}
	creds, err := a.Credentials.Credentials(ctx, in.AccountID)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return SendOutput{}, temporal.NewNonRetryableApplicationError("account is gone", ErrTypeConfig, err)
		}
		return SendOutput{}, err
	}
	if progress.Ambiguous != nil {
		out, done, err := a.resolveAmbiguous(ctx, in, creds, *progress.Ambiguous)
		if err != nil || done {
			return out, err
		}
	}
	if in.Interactive != nil && in.ContentSID == "" {
		sid, refused, err := a.interactiveContentSID(ctx, in.AccountID, creds, *in.Interactive)
		if err != nil {
			return SendOutput{}, err
		}
		if refused != nil {
			a.logger().Warn("twilio refused an interactive message's content", "message_id", in.MessageID, "code", refused.Code, "status", refused.HTTPStatus)
			failed, err := a.Store.MarkSendFailed(ctx, in.MessageID, refused.Code, "content refused: "+refused.Message)
			if err != nil {
				return SendOutput{}, err
			}
			return SendOutput{Message: failed, ErrorCode: refused.Code}, nil
		}
		in.ContentSID, in.Body = sid, ""
	}
	req := twilio.SendRequest{
		Credentials:      creds,
		From:             in.From,
		To:               in.To,
		Body:             in.Body,
		MediaURLs:        in.MediaURLs,
		ContentSID:       in.ContentSID,
		ContentVariables: in.ContentVariables,
	}
	if a.StatusCallbackURL != nil {
		req.StatusCallback = withMessageID(a.StatusCallbackURL(in.AccountID), in.MessageID)
	}
	started := time.Now()
	res, err := a.Twilio.Send(ctx, req)
	if err != nil {
		te := twilio.Classify(err)
		if res.SID != "" {
			// Created and refused at once: keep the SID so nothing resends it.
			activity.RecordHeartbeat(ctx, res.SID)
			if _, err := a.recordSID(ctx, in.MessageID, res.SID, domain.StatusFailed); err != nil {
				return SendOutput{}, err
			}
		} else if te.Kind == twilio.Retryable {
			if te.Ambiguous {
				// Twilio may have created it: the next attempt looks first.
				rememberAmbiguous(ctx, progress.Ambiguous, in, started, time.Now())
				a.logger().Warn("twilio send failed ambiguously; the retry looks the message up before sending",
					"message_id", in.MessageID, "status", te.HTTPStatus)
			}
			return SendOutput{}, retryLater(ctx, te)
		}
		a.logger().Warn("twilio refused a message", "message_id", in.MessageID, "code", te.Code, "status", te.HTTPStatus)
		failed, err := a.Store.MarkSendFailed(ctx, in.MessageID, te.Code, te.Message)
		if err != nil {
			return SendOutput{}, err
		}
		return SendOutput{Message: failed, ErrorCode: te.Code, WindowClosed: te.Kind == twilio.WindowClosed}, nil
	}
	// From here Twilio has the message: the SID must never be lost, or a retry
	// would send it twice. The heartbeat keeps it even if the database is down.
	activity.RecordHeartbeat(ctx, res.SID)
	return a.recordSID(ctx, in.MessageID, res.SID, res.Status)
}

func (a *Activities) recordSID(ctx context.Context, id, sid string, status domain.MessageStatus) (SendOutput, error) {
	if status == "" {
		status = domain.StatusQueued
	}
	backoff := 100 * time.Millisecond
	for {
		msg, err := a.Store.RecordSendResult(ctx, id, sid, status)
		if err == nil {
			return SendOutput{Message: msg}, nil
		}
		if ctx.Err() != nil {
			return SendOutput{}, errors.Join(err, ctx.Err())
		}
		a.logger().Warn("recording a Twilio SID failed; retrying", "message_id", id, "err", err)
		activity.RecordHeartbeat(ctx, sid)
		select {
		case <-ctx.Done():
			return SendOutput{}, ctx.Err()
		case <-time.After(backoff):
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}
