package api

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/store"
)

// The admin API's resources (queues, labels, templates, ...) answer their
// list, read and delete routes the same way; these keep that one shape, so
// a new resource cannot drift from it (a bare array, a 200 on delete).

// listed answers a whole collection as {"data": [...]}.
func listed[T any](c *fiber.Ctx, list func(context.Context) ([]T, error)) error {
	items, err := list(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": items})
}

// fetched answers the resource named by the route's :id.
func fetched[T any](c *fiber.Ctx, get func(context.Context, string) (T, error)) error {
	item, err := get(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(item)
}

// deleted removes the resource named by :id, audited, and answers 204.
func (s *Server) deleted(c *fiber.Ctx, del func(context.Context, string, store.Audit) error) error {
	if err := del(c.UserContext(), c.Params("id"), s.audit(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
