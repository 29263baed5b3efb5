package api

import (
	"encoding/hex"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
)

// requireAdmin checks `Authorization: Bearer <admin key>` against every
// accepted key (several during a rotation) in constant time: both sides are
// hashed so length does not leak, and every key is compared, without an
// early exit, so timing does not tell which key (or how many) matched.
// Then the key's rate limit applies.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		c.Set("WWW-Authenticate", `Bearer realm="switchboard"`)
		return s.refuseCredentials(c, domain.Errorf(domain.CodeUnauthorized, "missing bearer token: send Authorization: Bearer <SWITCHBOARD_ADMIN_KEY>"))
	}
	label, got := s.adminKeyLabel(token)
	if label == "" {
		return s.refuseCredentials(c, domain.Errorf(domain.CodeUnauthorized, "invalid admin key"))
	}
	// Each key has its own bucket (keys without a label share "admin").
	if err := s.limits.allowClient(c, metrics.RateLimitAdmin, "admin:"+hex.EncodeToString(got[:8])); err != nil {
		return err
	}
	setPrincipal(c, principal{adminLabel: label})
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
