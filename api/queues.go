package api

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// QueueStore is what the queue routes need of the store.
type QueueStore interface {
	CreateQueue(ctx context.Context, name string, priority int, a store.Audit) (domain.Queue, error)
	GetQueue(ctx context.Context, id string) (domain.Queue, error)
	ListQueues(ctx context.Context) ([]domain.Queue, error)
	UpdateQueue(ctx context.Context, id string, p store.QueuePatch, a store.Audit) (domain.Queue, error)
	DeleteQueue(ctx context.Context, id string, a store.Audit) error
}

type queueInput struct {
	Name     *string `json:"name"`
	Priority *int    `json:"priority"`
}

// validate checks the fields that are set; create requires a name.
func (in *queueInput) validate(create bool) error {
	if in.Name != nil || create {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		if name == "" || utf8.RuneCountInString(name) > domain.MaxNameLength {
			return invalid("name is required (at most %d characters)", domain.MaxNameLength)
		}
		in.Name = &name
	}
	if in.Priority != nil && (*in.Priority < math.MinInt32 || *in.Priority > math.MaxInt32) {
		return invalid("priority is out of range (a 32-bit integer; higher is served first)")
	}
	return nil
}

func (s *Server) createQueue(c *fiber.Ctx) error {
	var in queueInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	prio := 0
	if in.Priority != nil {
		prio = *in.Priority
	}
	q, err := s.queues.CreateQueue(c.UserContext(), *in.Name, prio, s.audit(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(q)
}

func (s *Server) listQueues(c *fiber.Ctx) error {
	return listed(c, s.queues.ListQueues)
}

func (s *Server) getQueue(c *fiber.Ctx) error {
	return fetched(c, s.queues.GetQueue)
}

func (s *Server) updateQueue(c *fiber.Ctx) error {
	var in queueInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	q, err := s.queues.UpdateQueue(c.UserContext(), c.Params("id"), store.QueuePatch{Name: in.Name, Priority: in.Priority}, s.audit(c))
	if err != nil {
		return err
	}
	return c.JSON(q)
}

func (s *Server) deleteQueue(c *fiber.Ctx) error {
	return s.deleted(c, s.queues.DeleteQueue)
}
