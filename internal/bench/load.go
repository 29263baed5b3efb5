package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard/switchboard/internal/emulator"
)

// webhook is a signed inbound-message request, prepared before the clock
// starts so that the load generator does little work while measuring.
type webhook struct {
	body []byte
	sig  string
}

func newMessageSID() string { return "SM" + randHex(16) }

// prepareInbound builds and signs an inbound WhatsApp message from a
// customer, as Twilio would post it.
func (s *stack) prepareInbound(from, body string) webhook {
	return s.prepareInboundTo(s.number, from, body)
}

// prepareInboundTo is prepareInbound to another of the account's numbers.
func (s *stack) prepareInboundTo(to, from, body string) webhook {
	sid := newMessageSID()
	form := url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {s.accountSID},
		"From": {"whatsapp:" + from}, "To": {"whatsapp:" + to}, "Body": {body},
		"NumMedia": {"0"}, "ProfileName": {"Bench"}, "WaId": {strings.TrimPrefix(from, "+")},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	return webhook{body: []byte(form.Encode()), sig: emulator.Sign(s.authToken, s.inboundURL, form)}
}

// post sends a prepared webhook; anything but 200 is an error.
func (s *stack) post(ctx context.Context, w webhook) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.inboundURL, bytes.NewReader(w.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", w.sig)
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook: status %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	return nil
}

// loadResult is what a load loop measured.
type loadResult struct {
	latencies []time.Duration // of the successful jobs
	errors    int
	firstErr  error
	elapsed   time.Duration // first start to last end
	dropped   int           // open loop: not sent because too many were in flight
}

// closedLoop runs n jobs on c workers, each starting the next job as soon
// as its previous one ended.
func closedLoop(ctx context.Context, n, c int, job func(ctx context.Context, i int) error, tick func(done int)) loadResult {
	var (
		next atomic.Int64
		done atomic.Int64
		mu   sync.Mutex
		res  loadResult
		wg   sync.WaitGroup
	)
	stopTick := make(chan struct{})
	if tick != nil {
		go func() {
			t := time.NewTicker(2 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stopTick:
					return
				case <-t.C:
					tick(int(done.Load()))
				}
			}
		}()
	}
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := job(ctx, i)
				d := time.Since(t0)
				done.Add(1)
				mu.Lock()
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				} else {
					res.latencies = append(res.latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	close(stopTick)
	return res
}

// openLoop starts job i at start + i*interval whatever happened to the
// previous ones (an open system, like Twilio posting webhooks), and measures
// each job from its scheduled start, so that a stall counts for every
// request it delays. At most maxInFlight jobs run at once; the rest are
// dropped and counted.
func openLoop(ctx context.Context, n int, interval time.Duration, maxInFlight int, job func(ctx context.Context, i int) error) loadResult {
	var (
		mu       sync.Mutex
		res      loadResult
		wg       sync.WaitGroup
		inFlight atomic.Int64
	)
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(d):
			}
		}
		if ctx.Err() != nil {
			break
		}
		if inFlight.Load() >= int64(maxInFlight) {
			mu.Lock()
			res.dropped++
			mu.Unlock()
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer inFlight.Add(-1)
			err := job(ctx, i)
			d := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.errors++
				if res.firstErr == nil {
					res.firstErr = err
				}
				return
			}
			res.latencies = append(res.latencies, d)
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}
