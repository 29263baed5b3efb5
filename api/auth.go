package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// requireAdmin checks `Authorization: Bearer <admin key>` in constant time.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		c.Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		return domain.Errorf(domain.CodeUnauthorized, "missing bearer token: send Authorization: Bearer <SWITCHBOARD_ADMIN_KEY>")
	}
	// Hash both sides so the comparison's time does not reveal the length.
	got := sha256.Sum256([]byte(token))
	want := sha256.Sum256([]byte(s.cfg.AdminKey))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return domain.Errorf(domain.CodeUnauthorized, "invalid admin key")
	}
	c.Locals("actor", "admin")
	return c.Next()
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}
