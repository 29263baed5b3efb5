package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Failure describes an injected failure for outbound sends.
type Failure struct {
	// To matches the recipient ("whatsapp:+E164" or "+E164"); empty = any.
	To string
	// Count is how many sends it applies to; 0 = forever until cleared.
	Count int
	// HTTPStatus (e.g. 429, 500, 400) makes the send fail synchronously with
	// Twilio's error JSON.
	HTTPStatus int
	// ErrorCode is the Twilio code of the synchronous error (21211, 20429...) or,
	// when HTTPStatus is 0, an asynchronous failure: the send is accepted (201) and
	// its callbacks end in failed (undelivered for 63024/63049) with this code.
	ErrorCode int
	// Delay answers slowly: the request is held this long before Twilio
	// looks at it. A client that hangs up meanwhile sent nothing: no message
	// is created (as when a request never reached Twilio).
	Delay time.Duration
	// HoldAfterAccept accepts the message first (it exists, its status
	// callbacks start) and then holds the 201 this long. A client that hangs
	// up meanwhile never learns the SID, but the message is sent anyway: the
	// window where a sender that retries sends twice.
	HoldAfterAccept time.Duration
}

// failureJSON is the control-API shape of a Failure; Delay is a Go duration string.
type failureJSON struct {
	To         string `json:"to"`
	Count      int    `json:"count"`
	HTTPStatus int    `json:"http_status"`
	ErrorCode  int    `json:"error_code"`
	Delay      string `json:"delay,omitempty"`
	// HoldAfterAccept is a Go duration string too.
	HoldAfterAccept string `json:"hold_after_accept,omitempty"`
}

// MarshalJSON encodes f with snake_case keys and Delay as a duration string.
func (f Failure) MarshalJSON() ([]byte, error) {
	j := failureJSON{To: f.To, Count: f.Count, HTTPStatus: f.HTTPStatus, ErrorCode: f.ErrorCode}
	if f.Delay > 0 {
		j.Delay = f.Delay.String()
	}
	if f.HoldAfterAccept > 0 {
		j.HoldAfterAccept = f.HoldAfterAccept.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the MarshalJSON shape ("delay": "2s").
func (f *Failure) UnmarshalJSON(b []byte) error {
	var j failureJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Failure{To: j.To, Count: j.Count, HTTPStatus: j.HTTPStatus, ErrorCode: j.ErrorCode}
	if j.Delay != "" {
		d, err := time.ParseDuration(j.Delay)
		if err != nil {
			return fmt.Errorf("delay: %w", err)
		}
		f.Delay = d
	}
	if j.HoldAfterAccept != "" {
		d, err := time.ParseDuration(j.HoldAfterAccept)
		if err != nil {
			return fmt.Errorf("hold_after_accept: %w", err)
		}
		f.HoldAfterAccept = d
	}
	return nil
}

// InjectFailure adds f; failures are matched in the order they were injected.
func (e *Emulator) InjectFailure(f Failure) {
	e.mu.Lock()
	e.failures = append(e.failures, &f)
	e.mu.Unlock()
	e.log.Info("failure injected", "to", maskNumber(f.To), "count", f.Count,
		"http_status", f.HTTPStatus, "error_code", f.ErrorCode, "delay", f.Delay, "hold_after_accept", f.HoldAfterAccept)
}

// Held returns how many send requests are being held right now (Delay or
// HoldAfterAccept): tests wait for it before crashing the sender.
func (e *Emulator) Held() int { return int(e.held.Load()) }

// hold keeps a send request waiting for d. It returns false when the client
// hung up meanwhile (true when the emulator is closing: answer at once).
func (e *Emulator) hold(r *http.Request, d time.Duration) bool {
	e.held.Add(1)
	defer e.held.Add(-1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-e.ctx.Done():
		return true
	}
}

// ClearFailures removes all injected failures.
func (e *Emulator) ClearFailures() {
	e.mu.Lock()
	e.failures = nil
	e.mu.Unlock()
}

func (e *Emulator) listFailures() []Failure {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Failure, len(e.failures))
	for i, f := range e.failures {
		out[i] = *f
	}
	return out
}

// takeFailure returns the first failure matching recipient to and uses up one of
// its Count.
func (e *Emulator) takeFailure(to string) (Failure, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.failures {
		if f.To != "" && bareNumber(f.To) != bareNumber(to) {
			continue
		}
		out := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				e.failures = append(e.failures[:i:i], e.failures[i+1:]...)
			}
		}
		return out, true
	}
	return Failure{}, false
}
