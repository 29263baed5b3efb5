package api

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// httpStatus maps domain codes to HTTP statuses, in one place.
var httpStatus = map[domain.Code]int{
	domain.CodeInvalid:            http.StatusBadRequest,
	domain.CodeNotFound:           http.StatusNotFound,
	domain.CodeConflict:           http.StatusConflict,
	domain.CodeUnauthorized:       http.StatusUnauthorized,
	domain.CodeForbidden:          http.StatusForbidden,
	domain.CodeWindowClosed:       http.StatusConflict,
	domain.CodeConversationClosed: http.StatusConflict,
	domain.CodeAttachmentsOff:     http.StatusUnprocessableEntity,
	domain.CodeUnavailable:        http.StatusServiceUnavailable,
	domain.CodeTwilio:             http.StatusBadGateway,
	domain.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	domain.CodeInternal:           http.StatusInternalServerError,
	domain.CodeTemplateInvalid:    http.StatusUnprocessableEntity,

	domain.CodeIdempotencyKeyReused:     http.StatusUnprocessableEntity,
	domain.CodeIdempotencyKeyInProgress: http.StatusConflict,
	domain.CodeRateLimited:              http.StatusTooManyRequests,
	domain.CodeUnprocessable:            http.StatusUnprocessableEntity,
	domain.CodeUnknownPlaceholder:       http.StatusUnprocessableEntity,
	domain.CodeRulesInvalid:             http.StatusUnprocessableEntity,
	domain.CodeUnsendable:               http.StatusUnprocessableEntity,
	domain.CodeExpired:                  http.StatusGone,
	domain.CodeRecipientsInvalid:        http.StatusUnprocessableEntity,
	domain.CodeOptedOut:                 http.StatusConflict,
}

type errorBody struct {
	Error errorObject `json:"error"`
}

// errorObject is {"code", "message"} and, for some errors, "details".
type errorObject struct {
	domain.Error
	Details any `json:"details,omitempty"`
}

// detailedError adds machine-readable details to a domain error's answer.
type detailedError struct {
	err     *domain.Error
	details any
}

func (e *detailedError) Error() string { return e.err.Error() }
func (e *detailedError) Unwrap() error { return e.err }

func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var de *domain.Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &de):
	case errors.As(err, &fe):
		de = &domain.Error{Code: codeForStatus(fe.Code), Message: fe.Message}
	default:
		s.logger.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
		de = &domain.Error{Code: domain.CodeInternal, Message: "internal error"}
	}
	status, ok := httpStatus[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	body := errorBody{Error: errorObject{Error: *de}}
	var dd *detailedError
	if errors.As(err, &dd) {
		body.Error.Details = dd.details
	}
	return c.Status(status).JSON(body)
}

// genericCode is the code an error that carries only an HTTP status (a
// Fiber error: 404 for no route, 413 for a body too large, ...) is
// answered with. One code per status, chosen here: several domain codes
// share a status (409, 422), and picking among them by ranging over
// httpStatus answered a random one.
var genericCode = map[int]domain.Code{
	http.StatusBadRequest:            domain.CodeInvalid,
	http.StatusUnauthorized:          domain.CodeUnauthorized,
	http.StatusForbidden:             domain.CodeForbidden,
	http.StatusNotFound:              domain.CodeNotFound,
	http.StatusConflict:              domain.CodeConflict,
	http.StatusRequestEntityTooLarge: domain.CodeTooLarge,
	http.StatusUnprocessableEntity:   domain.CodeUnprocessable,
	http.StatusTooManyRequests:       domain.CodeRateLimited,
	http.StatusBadGateway:            domain.CodeTwilio,
	http.StatusServiceUnavailable:    domain.CodeUnavailable,
}

func codeForStatus(status int) domain.Code {
	if code, ok := genericCode[status]; ok {
		return code
	}
	if status >= 500 {
		return domain.CodeInternal
	}
	return domain.CodeInvalid
}

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalid, format, args...)
}

func notFoundError(msg string) error {
	return &domain.Error{Code: domain.CodeNotFound, Message: msg}
}
