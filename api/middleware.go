package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
)

// HeaderRequestID carries the request id: taken from the caller when it is
// sane, generated otherwise, and always echoed in the response.
const HeaderRequestID = "X-Request-Id"

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id carried by ctx ("" when none).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// observe wraps every request: request id, one access-log line (method,
// route template, status, duration, request id) and the HTTP metrics
// labelled by route template, never by raw path.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	// Fiber's strings point into buffers it reuses: copy what outlives the request.
	rid := strings.Clone(sanitizeRequestID(c.Get(HeaderRequestID)))
	if rid == "" {
		rid = uuid.NewString()
	}
	c.Set(HeaderRequestID, rid)
	c.Locals("request_id", rid)
	c.SetUserContext(context.WithValue(c.UserContext(), requestIDKey, rid))
	if s.metrics != nil {
		s.metrics.HTTPInFlight.Inc()
		defer s.metrics.HTTPInFlight.Dec()
	}

	if err := c.Next(); err != nil {
		// Answer the error here, so that the status logged and counted is
		// the one sent (as Fiber's logger middleware does).
		if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := strings.Clone(routeLabel(c, status))
	method := strings.Clone(c.Method())
	elapsed := time.Since(start)
	if s.metrics != nil {
		s.metrics.HTTPRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		s.metrics.HTTPDuration.WithLabelValues(method, route).Observe(elapsed.Seconds())
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelWarn
	case route == "/healthz" || route == "/readyz" || route == "/metrics":
		level = slog.LevelDebug // probes and scrapes every few seconds
	}
	logger := s.logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.LogAttrs(c.UserContext(), level, "http request",
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.String("request_id", rid),
	)
	return nil
}

// routeLabel is the route template that served the request ("/api/v1/
// conversations/:id"), or "unmatched": raw paths would let anyone create
// metric series (and put ids in them).
func routeLabel(c *fiber.Ctx, status int) string {
	r := c.Route()
	if r == nil || r.Path == "" || (r.Path == "/" && status == fiber.StatusNotFound) {
		return "unmatched"
	}
	return r.Path
}

// sanitizeRequestID accepts up to 128 characters of [A-Za-z0-9._:-].
func sanitizeRequestID(id string) string {
	if id == "" || len(id) > 128 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == ':' || ch == '-') {
			return ""
		}
	}
	return id
}

// webhookReason lets a webhook handler say why it answered as it did
// (duplicate, unknown_number) when the error code alone does not tell.
func webhookReason(c *fiber.Ctx, reason string) { c.Locals("webhook_reason", reason) }

// countWebhook counts Twilio webhooks by result and reason.
func (s *Server) countWebhook(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if s.metrics == nil {
			return err
		}
		reason, _ := c.Locals("webhook_reason").(string)
		result := metrics.ResultAccepted
		if err != nil {
			result = metrics.ResultRefused
			if reason == "" {
				reason = refusalReason(err)
			}
		} else if reason == "" {
			reason = metrics.ReasonStored
			if kind == "status" {
				reason = metrics.ReasonApplied
			}
		}
		s.metrics.Webhook(kind, result, reason)
		return err
	}
}

func refusalReason(err error) string {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return metrics.ReasonInvalid
	}
	switch domain.ErrorCode(err) {
	case domain.CodeForbidden, domain.CodeUnauthorized:
		return metrics.ReasonBadSignature
	case domain.CodeNotFound:
		return metrics.ReasonUnknownAccount
	case domain.CodeInvalid, domain.CodeTooLarge:
		return metrics.ReasonInvalid
	}
	return metrics.ReasonStoreError
}
