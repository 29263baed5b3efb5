// Package domain holds Switchboard's vocabulary: the types, rules and error
// codes shared by the API, the workflows, the activities and the store.
package domain

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code returned to API clients.
type Code string

const (
	CodeInvalid            Code = "INVALID_ARGUMENT"
	CodeNotFound           Code = "NOT_FOUND"
	CodeConflict           Code = "CONFLICT"
	CodeUnauthorized       Code = "UNAUTHORIZED"
	CodeForbidden          Code = "FORBIDDEN"
	CodeWindowClosed       Code = "WINDOW_CLOSED"
	CodeConversationClosed Code = "CONVERSATION_CLOSED"
	CodeAttachmentsOff     Code = "ATTACHMENTS_DISABLED"
	CodeUnavailable        Code = "UNAVAILABLE"
	CodeTwilio             Code = "TWILIO_ERROR"
	CodeInternal           Code = "INTERNAL"
	CodeTooLarge           Code = "PAYLOAD_TOO_LARGE"
	// CodeTemplateInvalid: a template send that cannot go out as asked (unknown
	// template, no usable variant, wrong variables).
	CodeTemplateInvalid Code = "TEMPLATE_INVALID"
	// CodeIdempotencyKeyReused: an Idempotency-Key sent again with another
	// request body (422).
	CodeIdempotencyKeyReused Code = "IDEMPOTENCY_KEY_REUSED"
	// CodeIdempotencyKeyInProgress: the first request with this
	// Idempotency-Key is still running after the bounded wait (409).
	CodeIdempotencyKeyInProgress Code = "IDEMPOTENCY_KEY_IN_PROGRESS"
	// CodeRateLimited: the client sent more than its rate limit allows; the
	// answer's Retry-After says when to try again.
	CodeRateLimited Code = "RATE_LIMITED"
	// CodeUnprocessable: the request is well formed but a value is not one
	// the field accepts (an agent's role).
	CodeUnprocessable Code = "UNPROCESSABLE_ENTITY"
	// CodeUnknownPlaceholder: a quick reply's text names a placeholder that
	// does not exist.
	CodeUnknownPlaceholder Code = "UNKNOWN_PLACEHOLDER"
	// CodeRulesInvalid: a draft rule list (the routing what-if) with rules
	// that creating them would refuse; the answer's details list each (422).
	CodeRulesInvalid Code = "RULES_INVALID"
	// CodeUnsendable: a file or an interactive message WhatsApp would not
	// take (type, size, too many buttons...): refused before anything is
	// sent (422).
	CodeUnsendable Code = "UNSENDABLE"
	// CodeExpired: a signed link whose time is over (410).
	CodeExpired Code = "EXPIRED"
	// CodeRecipientsInvalid: a campaign's recipients have bad rows (422,
	// with a row-by-row report in details.rows).
	CodeRecipientsInvalid Code = "RECIPIENTS_INVALID"
	// CodeOptedOut: the customer opted out of messages from this account
	// (409): a proactive start to them is refused.
	CodeOptedOut Code = "OPTED_OUT"
)

// Error is a domain error carrying a Code; the API maps codes to HTTP status
// in one place (api/errors.go).
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf builds a domain error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the domain code of err, or CodeInternal.
func ErrorCode(err error) Code {
	var de *Error
	if errors.As(err, &de) {
		return de.Code
	}
	return CodeInternal
}

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}
