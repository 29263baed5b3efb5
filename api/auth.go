package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// requireAdmin checks `Authorization: Bearer <admin key>` against every
// accepted key (several during a rotation) in constant time: both sides are
// hashed so length does not leak, and every key is compared, without an
// early exit, so timing does not tell which key (or how many) matched.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		c.Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		return domain.Errorf(domain.CodeUnauthorized, "missing bearer token: send Authorization: Bearer <SWITCHBOARD_ADMIN_KEY>")
	}
	got := sha256.Sum256([]byte(token))
	actor := ""
	for _, k := range s.cfg.AdminCredentials() {
		want := sha256.Sum256([]byte(k.Key))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			actor = k.Label
		}
	}
	if actor == "" {
		return domain.Errorf(domain.CodeUnauthorized, "invalid admin key")
	}
	c.Locals("actor", actor)
	return c.Next()
}

// actor names who is making an admin request, for the audit log.
func actor(c *fiber.Ctx) string {
	if a, ok := c.Locals("actor").(string); ok && a != "" {
		return a
	}
	return "admin"
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}
