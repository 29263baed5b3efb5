package api

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/store"
)

// AuditStore reads the audit log.
type AuditStore interface {
	ListAudit(ctx context.Context, f store.AuditFilter) (store.AuditPage, error)
}

// audit describes the current admin request for the audit log: who, and the
// JSON they sent (the store redacts secrets before writing it).
func (s *Server) audit(c *fiber.Ctx) store.Audit {
	a := store.Audit{Actor: actor(c)}
	if b := c.Body(); len(b) > 0 && json.Valid(b) {
		// fasthttp reuses the body buffer once the handler returns.
		a.Changes = append(json.RawMessage(nil), b...)
	}
	return a
}

// auditWith is audit with changes that are not the body (a DELETE's options).
func (s *Server) auditWith(c *fiber.Ctx, changes any) store.Audit {
	a := store.Audit{Actor: actor(c)}
	if b, err := json.Marshal(changes); err == nil {
		a.Changes = b
	}
	return a
}

func (s *Server) listAudit(c *fiber.Ctx) error {
	f := store.AuditFilter{
		ResourceType: c.Query("resource_type"),
		ResourceID:   c.Query("resource_id"),
		Cursor:       c.Query("cursor"),
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	f.Limit = limit
	page, err := s.auditLog.ListAudit(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

// queryLimit reads ?limit= (1 to store.MaxPageSize; 0 when absent).
func queryLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxPageSize {
		return 0, invalid("limit must be a number from 1 to %d", store.MaxPageSize)
	}
	return n, nil
}
