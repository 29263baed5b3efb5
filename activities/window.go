package activities

import (
	"context"
	"time"
)

// WindowInput names a (number, customer) pair.
type WindowInput struct {
	NumberID     string
	CustomerE164 string
}

// Window is the customer's session window with a number.
type Window struct {
	ExpiresAt             time.Time
	LastCustomerMessageAt time.Time
}

// WindowStore finds the latest window of a (number, customer) pair.
type WindowStore interface {
	LastWindow(ctx context.Context, numberID, customerE164 string) (expiresAt, lastCustomerMessageAt time.Time, err error)
}

// LastWindow reads the window left by earlier conversations (local activity):
// WhatsApp's window belongs to the sender and the customer, not to one of
// our conversations.
func (a *Activities) LastWindow(ctx context.Context, in WindowInput) (Window, error) {
	exp, last, err := a.Windows.LastWindow(ctx, in.NumberID, in.CustomerE164)
	return Window{ExpiresAt: exp, LastCustomerMessageAt: last}, finalError(err)
}
