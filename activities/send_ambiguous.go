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

// MessageFinder looks up, on Twilio, the messages an ambiguous send may
// have created (twilio.Client.FindMessages).
type MessageFinder interface {
	FindMessages(ctx context.Context, req twilio.LookupRequest) ([]twilio.FoundMessage, error)
}

// DefaultLookupSettle is how long after an ambiguous attempt ended the
// lookup keeps looking before it concludes that Twilio did not create the
// message: Twilio lists a message it created within a second or two (the
// emulator at once), and every genuine 5xx or timeout waits this long
// before its retry, so it is kept short.
const DefaultLookupSettle = 5 * time.Second

// lookupEvery paces the lookups while the message may not be listed yet.
const lookupEvery = time.Second

// AmbiguousSend is kept in the activity heartbeat when a send failed in a
// way that may have created the message (a 5xx, or no answer after the
// request went out): what was sent, and when. The next attempt looks the
// message up before it sends again. Several ambiguous attempts widen one
// window, from the first one's start to the last one's end.
type AmbiguousSend struct {
	Since    time.Time
	Until    time.Time
	From     string
	To       string
	Body     string
	Template bool
	NumMedia int
	Attempts int
}

// sendProgress is what SendMessage's heartbeat says: the SID once Twilio
// gave one (a bare string, as before ambiguous sends were tracked), else
// the ambiguous attempts so far (an AmbiguousSend).
type sendProgress struct {
	SID       string
	Ambiguous *AmbiguousSend
}

func loadProgress(ctx context.Context) sendProgress {
	var p sendProgress
	if !activity.HasHeartbeatDetails(ctx) {
		return p
	}
	if err := activity.GetHeartbeatDetails(ctx, &p.SID); err == nil {
		return p
	}
	var amb AmbiguousSend
	if err := activity.GetHeartbeatDetails(ctx, &amb); err == nil && !amb.Since.IsZero() {
		p.Ambiguous = &amb
	}
	return p
}

// rememberAmbiguous records an ambiguous attempt in the heartbeat, where
// the next attempt finds it even if this worker dies now.
func rememberAmbiguous(ctx context.Context, prev *AmbiguousSend, in SendInput, started, ended time.Time) {
	a := AmbiguousSend{Since: started, Until: ended, From: in.From, To: in.To, Body: in.Body,
		Template: in.ContentSID != "", NumMedia: len(in.MediaURLs), Attempts: 1}
	if prev != nil {
		a.Since = prev.Since
		a.Attempts = prev.Attempts + 1
	}
	activity.RecordHeartbeat(ctx, a)
}

// resolveAmbiguous finds out whether an earlier ambiguous attempt created
// the message before anything is sent again: the message's row first (its
// first status callback, whose URL names the message, records the SID),
// then Twilio's list of messages, until settle has passed since the last
// ambiguous attempt ended. done reports the message was found (out is its
// result); !done with no error means Twilio did not create it. A lookup
// that fails is an error: nothing is sent blindly.
func (a *Activities) resolveAmbiguous(ctx context.Context, in SendInput, creds domain.Credentials, amb AmbiguousSend) (out SendOutput, done bool, err error) {
	finder := a.finder()
	if finder == nil {
		return SendOutput{}, false, temporal.NewNonRetryableApplicationError("no Twilio lookup configured", ErrTypeConfig, nil)
	}
	// Carried to the next attempt if this one fails too.
	activity.RecordHeartbeat(ctx, amb)
	settled := amb.Until.Add(a.lookupSettle())
	log := a.logger().With("message_id", in.MessageID, "ambiguous_attempts", amb.Attempts)
	for {
		msg, err := a.Store.GetMessage(ctx, in.MessageID)
		if err != nil {
			return SendOutput{}, false, err
		}
		if msg.TwilioSID != nil || msg.Status.IsFailure() {
			log.Info("ambiguous Twilio send resolved: a status callback recorded its SID")
			return SendOutput{Message: msg}, true, nil
		}
		found, err := finder.FindMessages(ctx, twilio.LookupRequest{
			Credentials: creds, From: amb.From, To: amb.To, Body: amb.Body,
			Template: amb.Template, NumMedia: amb.NumMedia, Since: amb.Since, Until: amb.Until,
		})
		if err != nil {
			var te *twilio.Error
			if errors.As(err, &te) && te.Kind == twilio.Retryable {
				return SendOutput{}, false, retryLater(ctx, te)
			}
			return SendOutput{}, false, err
		}
		for _, f := range found {
			owner, err := a.Store.MessageIDBySID(ctx, f.SID)
			if err != nil {
				return SendOutput{}, false, err
			}
			if owner != "" && owner != in.MessageID {
				continue // another message of ours with the same text
			}
			log.Info("ambiguous Twilio send resolved: Twilio had created it", "sid", f.SID, "status", string(f.Status))
			activity.RecordHeartbeat(ctx, f.SID)
			out, err := a.recordSID(ctx, in.MessageID, f.SID, f.Status)
			if err != nil {
				return SendOutput{}, false, err
			}
			out.ErrorCode = f.ErrorCode
			out.WindowClosed = f.ErrorCode == twilio.CodeWindowClosed
			return out, true, nil
		}
		left := time.Until(settled)
		if left <= 0 {
			log.Info("ambiguous Twilio send resolved: Twilio did not create it; sending again")
			return SendOutput{}, false, nil
		}
		select {
		case <-ctx.Done():
			return SendOutput{}, false, ctx.Err()
		case <-time.After(min(left, lookupEvery)):
		}
	}
}

func (a *Activities) lookupSettle() time.Duration {
	if a.LookupSettle > 0 {
		return a.LookupSettle
	}
	return DefaultLookupSettle
}

// finder is Lookup, else the sender itself when it can look up.
func (a *Activities) finder() MessageFinder {
	if a.Lookup != nil {
		return a.Lookup
	}
	f, _ := a.Twilio.(MessageFinder)
	return f
}
