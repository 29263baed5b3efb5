package workflows

import (
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// MaxNoteLength bounds an internal note, in characters.
const MaxNoteLength = 4000

// NoteRequest is the `note` update: an agent or supervisor writes an
// internal note in the transcript. It is never sent to the customer.
type NoteRequest struct {
	NoteID string `json:"note_id"` // chosen by the caller: the update is idempotent
	// ConversationID, when set, must be this run's conversation.
	ConversationID string `json:"conversation_id,omitempty"`
	Author         string `json:"author"` // "agent:<id>", "supervisor:<id>", an admin key's label
	Text           string `json:"text"`
}

// validateNote refuses, before anything is written to history, a note the
// conversation cannot take.
func (c *conversation) validateNote(ctx workflow.Context, req NoteRequest) error {
	switch {
	case !c.takesWork(),
		req.ConversationID != "" && req.ConversationID != c.st.ConversationID:
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	case req.NoteID == "":
		return appError(domain.CodeInvalid, "note_id is required")
	case req.Author == "":
		return appError(domain.CodeInvalid, "author is required")
	case strings.TrimSpace(req.Text) == "":
		return appError(domain.CodeInvalid, "text is required")
	case utf8.RuneCountInString(req.Text) > MaxNoteLength:
		return appError(domain.CodeInvalid, "text is longer than 4000 characters")
	}
	return nil
}

// noteUpdate hands the note to the main loop, which stores it and counts
// it. The store call is a command older workers do not know: it waits for
// the notes patch (patches.go).
func (c *conversation) noteUpdate(ctx workflow.Context, req NoteRequest) (domain.Message, error) {
	if workflow.GetVersion(ctx, PatchNotes, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return domain.Message{}, appError(domain.CodeUnavailable, "notes are not switched on yet: some workers of this task queue are older (docs/deploys.md)")
	}
	cl := &call{note: &req}
	if _, err := c.ask(ctx, cl); err != nil {
		return domain.Message{}, err
	}
	return cl.message, nil
}

// writeNote stores a note (idempotent by its id) and counts it in the
// conversation's details. Its row goes straight to the transcript, never to
// the outbox: nothing of it reaches Twilio.
func (c *conversation) writeNote(ctx workflow.Context, req NoteRequest) (domain.Message, error) {
	if err := c.checkNote(); err != nil {
		return domain.Message{}, err
	}
	msg := domain.Message{
		ID:             req.NoteID,
		ConversationID: c.st.ConversationID,
		Direction:      domain.Internal,
		Author:         req.Author,
		Body:           strings.TrimSpace(req.Text),
		Status:         domain.StatusNote,
		Note:           true,
	}
	var stored domain.Message
	if err := durably(ctx, a.CreateNote, msg, &stored); err != nil {
		return domain.Message{}, domainError(err)
	}
	c.st.NoteCount++
	c.st.LastNoteBy = req.Author
	return stored, nil
}

// checkNote: the validator ran when the update arrived; by the time the
// main loop takes it, a close may have come first.
func (c *conversation) checkNote() error {
	if !c.takesWork() {
		return appError(domain.CodeConversationClosed, "the conversation is closed")
	}
	return nil
}
