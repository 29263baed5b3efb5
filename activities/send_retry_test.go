package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/twilio"
)

func TestJitteredBackoffFollowsThePolicyWithinHalfToFull(t *testing.T) {
	for attempt, want := range map[int32]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: time.Minute, 40: time.Minute,
	} {
		if lo := jitteredBackoff(attempt, 0); lo != want/2 {
			t.Errorf("attempt %d, r=0: %s, want %s", attempt, lo, want/2)
		}
		if hi := jitteredBackoff(attempt, 0.999999); hi > want || hi < want*99/100 {
			t.Errorf("attempt %d, r→1: %s, want just under %s", attempt, hi, want)
		}
	}
}

// Many sends refused at the same instant come back spread out, not at once.
func TestRetryLaterSpreadsDelays(t *testing.T) {
	seen := map[time.Duration]bool{}
	te := &twilio.Error{Kind: twilio.Retryable, HTTPStatus: 429, Code: 20429, Message: "Too Many Requests"}
	for range 50 {
		err := retryLater(context.Background(), te)
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.Type() != ErrTypeTwilioRetryable || ae.NonRetryable() {
			t.Fatalf("error %v: want a retryable %s", err, ErrTypeTwilioRetryable)
		}
		d := ae.NextRetryDelay()
		if d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("first retry after %s, want within [0.5s, 1s]", d)
		}
		seen[d] = true
		var cause *twilio.Error
		if !errors.As(err, &cause) || cause.Code != 20429 {
			t.Fatalf("cause lost: %v", err)
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d distinct delays out of 50: no jitter", len(seen))
	}
}

func TestWithMessageID(t *testing.T) {
	got := withMessageID("https://sb.example.com/twilio/whatsapp/acc/status", "m-1")
	if got != "https://sb.example.com/twilio/whatsapp/acc/status?message_id=m-1" {
		t.Fatalf("got %s", got)
	}
	if got := withMessageID("http://h/s?x=1", "a b"); got != "http://h/s?message_id=a+b&x=1" {
		t.Fatalf("got %s", got)
	}
}
