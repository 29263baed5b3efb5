package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// twilioOutcome waits, until ctx ends, for Twilio's answer to a message the
// conversation workflow has stored and queued: the `send` update answers
// as soon as the message is in the conversation's outbox, and the workflow
// hands it to Twilio behind that answer. It returns the message as last
// read and 201 once Twilio accepted (a SID) or refused it (failed), or 202
// with the message still queued when ctx ended first.
//
// The row is read again when the hub says the answer was stored (w, from
// watchOutcome before the update was sent, so that no answer comes
// unseen), and on a slow back-off in case a notification was lost (the
// listener reconnecting). Without a hub it polls quickly, as it must.
func (s *Server) twilioOutcome(ctx context.Context, msg domain.Message, w *agentevents.Subscription) (domain.Message, int, error) {
	read := context.WithoutCancel(ctx)
	wait, most := 5*time.Millisecond, 100*time.Millisecond
	var wake <-chan struct{}
	if w != nil {
		wait, most, wake = 250*time.Millisecond, time.Second, w.Wake()
	}
	for !answered(msg) {
		select {
		case <-ctx.Done():
			return msg, fiber.StatusAccepted, nil
		case <-wake:
		case <-time.After(wait):
			wait = min(2*wait, most)
		}
		m, err := s.conversations.GetMessage(read, msg.ID)
		switch {
		case err == nil:
			msg = m
		case domain.ErrorCode(err) != domain.CodeNotFound:
			return msg, 0, err
		}
	}
	return msg, fiber.StatusCreated, nil
}

// watchOutcome subscribes to the notification of Twilio's answer to
// message id (nil without a hub); close it when done.
func (s *Server) watchOutcome(id string) *agentevents.Subscription {
	if s.events == nil {
		return nil
	}
	w, _ := s.events.TrySubscribe(agentevents.MessageKey(id), 0)
	return w
}

// acceptedMessage is a message whose send the workflow accepted but had not
// answered when the request's time ran out: as stored, or, if the workflow
// has not written it yet (the database is slow), as it will be.
func (s *Server) acceptedMessage(ctx context.Context, req workflows.SendRequest) domain.Message {
	if m, err := s.conversations.GetMessage(context.WithoutCancel(ctx), req.MessageID); err == nil {
		return m
	}
	return domain.Message{ID: req.MessageID, ConversationID: req.ConversationID, Direction: domain.Outbound,
		Author: req.Author, Body: req.Text, Template: req.Template, Status: domain.StatusQueued}
}

// answered: Twilio took the message (it has a SID) or it failed.
func answered(m domain.Message) bool {
	return m.TwilioSID != nil || m.Status.IsFailure()
}
