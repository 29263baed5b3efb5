package activities

import (
	"context"
	"errors"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

// ContentStore caches the Content SIDs of interactive messages
// (interactive_contents): the same buttons sent again reuse their item.
type ContentStore interface {
	InteractiveContentSID(ctx context.Context, accountID, twilioAccountSID, hash string) (string, error)
	SaveInteractiveContent(ctx context.Context, accountID, twilioAccountSID, hash, contentType, sid string) (string, error)
}

// ContentCreator creates the Content API item of an interactive message.
type ContentCreator interface {
	CreateInteractiveContent(ctx context.Context, creds domain.Credentials, in domain.Interactive) (string, error)
}

// interactiveContentSID returns the Content SID that sends in: the cached
// one, or one created now and cached. A refusal by Twilio is final (te
// set, Final); anything retryable comes back as the activity's retry.
func (a *Activities) interactiveContentSID(ctx context.Context, accountID string, creds domain.Credentials, in domain.Interactive) (string, *twilio.Error, error) {
	hash := in.Hash()
	sid, err := a.Contents.InteractiveContentSID(ctx, accountID, creds.AccountSID, hash)
	if err != nil || sid != "" {
		return sid, nil, err
	}
	sid, err = a.ContentCreator.CreateInteractiveContent(ctx, creds, in)
	if err != nil {
		te := twilio.Classify(err)
		if te.Kind == twilio.Retryable {
			// A create that may have succeeded only leaves an unused
			// Content item behind: creating again is harmless.
			return "", nil, retryLater(ctx, te)
		}
		return "", te, nil
	}
	kept, err := a.Contents.SaveInteractiveContent(ctx, accountID, creds.AccountSID, hash, in.ContentType(), sid)
	if err != nil {
		return "", nil, errors.Join(errors.New("keeping the created Content SID "+sid), err)
	}
	return kept, nil, nil
}
