package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// twilioOutcome waits, until ctx ends, for Twilio's answer to a message the
// conversation workflow has stored and queued: the `send` update answers
// as soon as the message is in the conversation's outbox, and the workflow
// hands it to Twilio behind that answer. It returns the message as last
// read and 201 once Twilio accepted (a SID) or refused it (failed), or 202
// with the message still queued when ctx ended first.
func (s *Server) twilioOutcome(ctx context.Context, msg domain.Message) (domain.Message, int, error) {
	read := context.WithoutCancel(ctx)
	wait := 5 * time.Millisecond
	for !answered(msg) {
		select {
		case <-ctx.Done():
			return msg, fiber.StatusAccepted, nil
		case <-time.After(wait):
		}
		m, err := s.conversations.GetMessage(read, msg.ID)
		switch {
		case err == nil:
			msg = m
		case domain.ErrorCode(err) != domain.CodeNotFound:
			return msg, 0, err
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
	return msg, fiber.StatusCreated, nil
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
