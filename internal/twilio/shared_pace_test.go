package twilio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/store/storetest"
	"github.com/switchboard/switchboard/internal/twilio"
)

// TestSenderPaceHoldsAcrossProcesses: two clients (two workers) sharing
// PostgreSQL's send slots together keep one sender's rate: the emulator,
// which answers 429 above that rate like a saturated Twilio sender, never
// refuses one, and no second holds more than the rate. With a bucket per
// process each would send at the full rate: twice too fast.
func TestSenderPaceHoldsAcrossProcesses(t *testing.T) {
	const rate, perClient = 10, 25
	st := storetest.New(t)
	// The emulator refuses above rate+2 in any sliding second: room for
	// network jitter between evenly spaced sends, far below the 2×rate that
	// two unshared buckets would send.
	emu := emulator.New(emulator.Config{RatePerSender: rate + 2, StatusCallbackDelay: time.Hour})
	srv := httptest.NewServer(emu.Handler())
	defer srv.Close()
	emu.SetPublicURL(srv.URL)
	const account, token, sender = "AC0123456789abcdef0123456789abcdef", "secrettoken0123456789abcdef012345", "+15550100001"
	emu.AddAccount(account, token)
	emu.ConfigureSender(account, sender, srv.URL+"/unused")

	creds := domain.Credentials{AccountSID: account, AuthToken: token}
	var wg sync.WaitGroup
	errs := make(chan error, 2*perClient)
	for w := range 2 {
		c := twilio.NewClient(twilio.Config{APIBase: srv.URL, RatePerSender: rate, Slots: st})
		for i := range perClient {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_, err := c.Send(ctx, twilio.SendRequest{Credentials: creds, From: sender, To: fmt.Sprintf("+3361%02d%05d", w, i), Body: "paced"})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	msgs := emu.Messages()
	if len(msgs) != 2*perClient {
		t.Fatalf("%d messages accepted, want %d", len(msgs), 2*perClient)
	}
	peak := emulator.PeakPerSecond(msgs)
	// One slot of slack: a send's HTTP time varies after its slot.
	if peak > rate+1 {
		t.Errorf("%d sends within one second from two clients, the sender's rate is %d/s", peak, rate)
	}
	t.Logf("%d sends from two clients, at most %d in any second", len(msgs), peak)
}
