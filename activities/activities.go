// Package activities holds everything the conversation workflow does to the
// outside world: database writes (run as local activities) and Twilio sends.
package activities

import (
	"context"
	"log/slog"
	"reflect"

	"go.temporal.io/sdk/temporal"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// Store is the part of the store the activities use.
type Store interface {
	RecordInbound(ctx context.Context, conv domain.ConversationRecord, msgs []domain.InboundMessage) ([]domain.InboundResult, error)
	SaveConversation(ctx context.Context, conv domain.ConversationRecord) error
	CreateOutbound(ctx context.Context, m domain.Message) (domain.Message, error)
	GetMessage(ctx context.Context, id string) (domain.Message, error)
	RecordSendResult(ctx context.Context, id, sid string, status domain.MessageStatus) (domain.Message, error)
	MessageIDBySID(ctx context.Context, sid string) (string, error)
	MarkSendFailed(ctx context.Context, id string, code int, message string) (domain.Message, error)
	CreateNote(ctx context.Context, m domain.Message) (domain.Message, error)
}

// Credentials resolves the Twilio credentials of an account (decrypted).
type Credentials interface {
	Credentials(ctx context.Context, accountID string) (domain.Credentials, error)
}

// Activities is registered with the worker; workflows call its methods
// through a nil *Activities, as the Temporal SDK allows.
type Activities struct {
	Store        Store
	Settings     SettingsStore
	Distribution Distribution
	Bot          BotAsker
	Windows      WindowStore
	Credentials  Credentials
	Twilio       Sender
	// Contents and ContentCreator give interactive messages their Content
	// SID (interactive.go).
	Contents       ContentStore
	ContentCreator ContentCreator
	// Lookup finds what an ambiguous send created (nil: Twilio, when it
	// can); LookupSettle is how long it keeps looking (0: DefaultLookupSettle).
	// Followups keeps the follow-ups that outlive their conversation's
	// close (followups.go).
	Followups    FollowupStore
	Lookup       MessageFinder
	LookupSettle time.Duration
	// StatusCallbackURL returns where Twilio posts delivery statuses for an account.
	StatusCallbackURL func(accountID string) string
	Logger            *slog.Logger
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

// finalError marks the refusals no retry can change (a conflict, an unknown
// id, invalid input) as non-retryable, with their domain code as the
// error's type: workflows stop retrying and read the code. Every other
// error (the database down, a timeout) stays retryable.
func finalError(err error) error {
	if err == nil {
		return nil
	}
	switch code := domain.ErrorCode(err); code {
	case domain.CodeConflict, domain.CodeNotFound, domain.CodeInvalid:
		return temporal.NewNonRetryableApplicationError(err.Error(), string(code), nil)
	}
	return err
}

// MissingDependencies names the dependencies of a that are not set: a
// worker started with one missing would fail that activity on every
// attempt, and the workflow would wait on it forever. Logger is optional.
// (A function, not a method: every method of Activities is an activity.)
func MissingDependencies(a *Activities) []string {
	var missing []string
	v := reflect.ValueOf(a).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Func:
			if f.IsNil() && name != "Logger" {
				missing = append(missing, name)
			}
		}
	}
	return missing
}
