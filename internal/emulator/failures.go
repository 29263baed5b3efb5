package emulator

import (
	"encoding/json"
	"fmt"
	"net"
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
	// callbacks start) and then holds the 201 this long: "accept, then time
	// out". A client that hangs up meanwhile never learns the SID, but the
	// message is sent anyway (and listed): the window where a sender that
	// retries blindly sends twice.
	HoldAfterAccept time.Duration
	// Accept creates the message (it is listed, its callbacks run) before
	// the injected failure is answered: with HTTPStatus, "accept, then
	// 500" (Twilio created the message and still answered the error); with
	// Drop, "accept, then the connection drops" (no answer at all).
	Accept bool
	// Drop cuts the connection (a TCP reset) instead of answering. Without
	// Accept nothing is created: the request was written, and lost.
	Drop bool
	// CallbackDelay holds the message's status callbacks this long (Twilio's
	// callbacks late, or our API unreachable for Twilio meanwhile): a sender
	// that lost the answer cannot learn the SID from the first callback.
	CallbackDelay time.Duration
}

// failureJSON is the control-API shape of a Failure; Delay is a Go duration string.
type failureJSON struct {
	To         string `json:"to"`
	Count      int    `json:"count"`
	HTTPStatus int    `json:"http_status"`
	ErrorCode  int    `json:"error_code"`
	Delay      string `json:"delay,omitempty"`
	// HoldAfterAccept and CallbackDelay are Go duration strings too.
	HoldAfterAccept string `json:"hold_after_accept,omitempty"`
	Accept          bool   `json:"accept,omitempty"`
	Drop            bool   `json:"drop,omitempty"`
	CallbackDelay   string `json:"callback_delay,omitempty"`
}

// MarshalJSON encodes f with snake_case keys and Delay as a duration string.
func (f Failure) MarshalJSON() ([]byte, error) {
	j := failureJSON{To: f.To, Count: f.Count, HTTPStatus: f.HTTPStatus, ErrorCode: f.ErrorCode, Accept: f.Accept, Drop: f.Drop}
	if f.Delay > 0 {
		j.Delay = f.Delay.String()
	}
	if f.HoldAfterAccept > 0 {
		j.HoldAfterAccept = f.HoldAfterAccept.String()
	}
	if f.CallbackDelay > 0 {
		j.CallbackDelay = f.CallbackDelay.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the MarshalJSON shape ("delay": "2s").
func (f *Failure) UnmarshalJSON(b []byte) error {
	var j failureJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Failure{To: j.To, Count: j.Count, HTTPStatus: j.HTTPStatus, ErrorCode: j.ErrorCode, Accept: j.Accept, Drop: j.Drop}
	for _, d := range []struct {
		name string
		src  string
		dst  *time.Duration
	}{{"delay", j.Delay, &f.Delay}, {"hold_after_accept", j.HoldAfterAccept, &f.HoldAfterAccept}, {"callback_delay", j.CallbackDelay, &f.CallbackDelay}} {
		if d.src == "" {
			continue
		}
		v, err := time.ParseDuration(d.src)
		if err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
		*d.dst = v
	}
	return nil
}

// InjectFailure adds f; failures are matched in the order they were injected.
func (e *Emulator) InjectFailure(f Failure) {
	e.mu.Lock()
	e.failures = append(e.failures, &f)
	e.mu.Unlock()
	e.log.Info("failure injected", "to", maskNumber(f.To), "count", f.Count,
		"http_status", f.HTTPStatus, "error_code", f.ErrorCode, "delay", f.Delay, "hold_after_accept", f.HoldAfterAccept,
		"accept", f.Accept, "drop", f.Drop, "callback_delay", f.CallbackDelay)
}

// Held returns how many send requests are being held right now (Delay or
// HoldAfterAccept): tests wait for it before crashing the sender.
func (e *Emulator) Held() int { return int(e.held.Load()) }

// CreateRequests is how many authenticated message-create requests came
// in, whatever their answer: the count a duplicate send would raise.
func (e *Emulator) CreateRequests() int { return int(e.creates.Load()) }

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

// dropConnection cuts the client's connection without an answer: a TCP
// reset where the connection can be hijacked (HTTP/1), else an aborted
// response.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST, not FIN
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
