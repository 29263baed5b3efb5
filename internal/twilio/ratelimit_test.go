package twilio

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

func TestSenderLimiterOff(t *testing.T) {
	var l *senderLimiter = newSenderLimiter(0, nil)
	if l != nil {
		t.Fatal("a rate of 0 should turn pacing off")
	}
	if err := l.wait(context.Background(), "AC1", "+15550100001"); err != nil {
		t.Fatal(err)
	}
}

// The limiter is a token bucket with a burst of one: the first send of a
// sender goes at once, the next one waits a slot, and senders (or accounts)
// do not share buckets. No timing is asserted beyond "a reservation was
// needed": the delay itself comes from x/time/rate.
func TestSenderLimiterPerSender(t *testing.T) {
	l := newSenderLimiter(1, nil) // one per second: a second send must wait
	if l.bucket("AC1", "whatsapp:+15550100001") != l.bucket("AC1", "+15550100001") {
		t.Error("the whatsapp: prefix must not make another bucket")
	}
	if l.bucket("AC1", "+15550100001") == l.bucket("AC1", "+15550100002") || l.bucket("AC1", "+15550100001") == l.bucket("AC2", "+15550100001") {
		t.Error("senders and accounts must have their own buckets")
	}
	ctx := context.Background()
	if err := l.wait(ctx, "AC1", "+15550100001"); err != nil {
		t.Fatal(err)
	}
	// The next slot is about a second away: a deadline before it fails at
	// once, retryable, without consuming the slot.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	err := l.wait(short, "AC1", "+15550100001")
	if e, ok := err.(*Error); !ok || e.Kind != Retryable {
		t.Fatalf("wait past the deadline = %v, want a Retryable *Error", err)
	}
	// Another sender is not held back.
	if err := l.wait(short, "AC1", "+15550100002"); err != nil {
		t.Fatalf("another sender: %v", err)
	}
}

// A paced client still sends every message, each exactly once; a send
// whose sender has no free slot before its deadline is refused before any
// request, as Retryable.
func TestSendPacedPerSender(t *testing.T) {
	f := newFake(t)
	c := NewClient(Config{APIBase: f.URL, Logger: slog.New(slog.DiscardHandler), RatePerSender: 1})
	req := SendRequest{Credentials: testCreds, From: "+15550100001", To: "+33612345678", Body: "Bonjour"}
	if _, err := c.Send(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Send(ctx, req)
	if e, ok := err.(*Error); !ok || e.Kind != Retryable {
		t.Fatalf("second send within the second = %v, want Retryable", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("%d requests reached Twilio, want 1", n)
	}
	req.From = "+15550100002" // another sender has its own slot
	if _, err := c.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
}
