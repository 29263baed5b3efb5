package emulator

import (
	"encoding/json"
	"fmt"
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
	// Delay answers slowly: the response is held this long.
	Delay time.Duration
}

// failureJSON is the control-API shape of a Failure; Delay is a Go duration string.
type failureJSON struct {
	To         string `json:"to"`
	Count      int    `json:"count"`
	HTTPStatus int    `json:"http_status"`
	ErrorCode  int    `json:"error_code"`
	Delay      string `json:"delay,omitempty"`
}

// MarshalJSON encodes f with snake_case keys and Delay as a duration string.
func (f Failure) MarshalJSON() ([]byte, error) {
	j := failureJSON{To: f.To, Count: f.Count, HTTPStatus: f.HTTPStatus, ErrorCode: f.ErrorCode}
	if f.Delay > 0 {
		j.Delay = f.Delay.String()
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
	return nil
}

// InjectFailure adds f; failures are matched in the order they were injected.
func (e *Emulator) InjectFailure(f Failure) {
	e.mu.Lock()
	e.failures = append(e.failures, &f)
	e.mu.Unlock()
	e.log.Info("failure injected", "to", maskNumber(f.To), "count", f.Count,
		"http_status", f.HTTPStatus, "error_code", f.ErrorCode, "delay", f.Delay)
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
