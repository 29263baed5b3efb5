package twilio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/twilio/twilio-go/client"
)

// ErrorKind says what the caller should do about an Error.
type ErrorKind int

const (
	// Retryable: 429, 5xx, network errors, timeouts. Retry later (Temporal does).
	Retryable ErrorKind = iota + 1
	// Final: any other 4xx or a bad request; retrying changes nothing.
	Final
	// WindowClosed: error 63016, free-form message outside the 24-hour
	// window; final too, only an approved template can go out.
	WindowClosed
)

// CodeWindowClosed is Twilio's error for a free-form WhatsApp message outside
// the customer-service window.
const CodeWindowClosed = 63016

func (k ErrorKind) String() string {
	switch k {
	case Retryable:
		return "retryable"
	case Final:
		return "final"
	case WindowClosed:
		return "window_closed"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is every error this package returns. It never contains credentials.
type Error struct {
	Kind       ErrorKind
	HTTPStatus int    // 0 when no HTTP response came back
	Code       int    // Twilio error code (21211, 20429, 63016, ...), 0 if none
	Message    string // Twilio's message, or what went wrong
	MoreInfo   string // https://www.twilio.com/docs/errors/<code>
	// Ambiguous: Twilio may have acted on the request although it failed:
	// a 5xx, or no answer (timeout, reset) after the request was written
	// whole. A send that failed so may have created the message: look it
	// up (FindMessages) before sending again. A 429, any other 4xx, or a
	// request that never left (connection refused) is not ambiguous.
	Ambiguous bool
	cause     error
}

func (e *Error) Error() string {
	s := "twilio (" + e.Kind.String() + ")"
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(": HTTP %d", e.HTTPStatus)
	}
	if e.Code != 0 {
		s += fmt.Sprintf(": error %d", e.Code)
	}
	s += ": " + e.Message
	if e.MoreInfo != "" {
		s += " (" + e.MoreInfo + ")"
	}
	if e.Ambiguous {
		s += " (ambiguous: Twilio may have acted on it)"
	}
	return s
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.cause }

// Retryable reports whether retrying the same call may succeed.
func (e *Error) Retryable() bool { return e.Kind == Retryable }

// IsWindowClosed reports whether err is Twilio's 63016.
func IsWindowClosed(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == WindowClosed
}

// Classify turns twilio-go's *client.TwilioRestError (and RestErrorV1),
// *url.Error, net timeouts and context errors into an *Error. An *Error is
// returned as is; unknown errors count as Retryable. Classify(nil) is nil.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var own *Error
	if errors.As(err, &own) {
		return own
	}
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		return fromHTTP(rest.Status, rest.Code, rest.Message, rest.MoreInfo, err)
	}
	var v1 *client.RestErrorV1
	if errors.As(err, &v1) {
		return fromHTTP(v1.HttpStatusCode, v1.Code, v1.Message, "", err)
	}
	e := &Error{Kind: Retryable, Message: err.Error(), cause: err}
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.Message = "timeout: " + err.Error()
	case errors.Is(err, context.Canceled):
		e.Message = "canceled: " + err.Error()
	case errors.As(err, &ue), errors.As(err, &ne):
		e.Message = "network error: " + err.Error()
	}
	return e
}

// fromHTTP classifies an HTTP error answer by status and Twilio code.
func fromHTTP(status, code int, msg, moreInfo string, cause error) *Error {
	e := &Error{Kind: Final, HTTPStatus: status, Code: code, Message: msg, MoreInfo: moreInfo, cause: cause}
	switch {
	case code == CodeWindowClosed:
		e.Kind = WindowClosed
	case status == 429 || code == 20429 || status == 408 || status >= 500:
		e.Kind = Retryable
	}
	return e
}
