package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/payloadcodec"
)

// codecHandler serves Temporal's codec-server protocol (routes.go): op is
// "encode" or "decode".
func (s *Server) codecHandler(op string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.codec == nil {
			return domain.Errorf(domain.CodeUnavailable, "no payload codec is configured")
		}
		out, err := s.codec.Transcode(op, c.Get(payloadcodec.HeaderNamespace), s.cfg.TemporalNamespace, c.Body())
		var re *payloadcodec.RequestError
		if errors.As(err, &re) {
			return invalid("%s", re.Message)
		}
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Send(out)
	}
}
