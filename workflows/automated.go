package workflows

import (
	"strconv"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// sendAutomated sends one of the workstream's automated messages in the
// conversation's language (falling back to the workstream's), only while
// the session window is open: outside it only templates may be sent.
func (c *conversation) sendAutomated(ctx workflow.Context, kind string) {
	ws := c.workstream()
	if ws == nil || c.st.Mode != domain.ModeSession {
		return
	}
	text, ok := ws.AutomatedMessage(kind, c.st.Language)
	if !ok {
		return
	}
	c.sendInternal(ctx, domain.AuthorSystem, text, nil)
}

// sendInternal sends a message the workflow itself writes (automated, bot).
func (c *conversation) sendInternal(ctx workflow.Context, author, text string, media []string) {
	c.queueInternal(ctx, SendRequest{Author: author, Text: text, MediaURLs: media})
}

// sendInternalInteractive sends buttons or a list for author (the bot)
// through the outbox, as an agent's interactive send goes (the message row
// keeps what it offers, the send activity creates its Content SID); only
// inside the window, and the caller checked PatchInteractive.
func (c *conversation) sendInternalInteractive(ctx workflow.Context, author string, in *domain.Interactive) {
	c.queueInternal(ctx, SendRequest{Author: author, Interactive: in})
}

// queueInternal names req and puts it on the outbox, only inside the
// window (outside it, a message the workflow writes itself is dropped).
func (c *conversation) queueInternal(ctx workflow.Context, req SendRequest) {
	if c.st.Mode != domain.ModeSession {
		return
	}
	req.MessageID, req.ConversationID = c.newMessageID(), c.st.ConversationID
	if _, err := c.queue(ctx, req); err != nil {
		c.logger.Error("an automated message was refused", "author", req.Author, "interactive", req.Interactive != nil, "error", err)
	}
}

// newMessageID derives a message id from the conversation and a counter:
// unique, and the same on replay without a side effect in history.
func (c *conversation) newMessageID() string {
	c.st.InternalSeq++
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(c.st.ConversationID+":internal:"+strconv.Itoa(c.st.InternalSeq))).String()
}

// newInboundID names the transcript row of a customer message the same
// way, from a counter of its own: the ids of messages the workflow writes
// stay what they were for workflows recorded before it existed.
func (c *conversation) newInboundID() string {
	c.st.InboundSeq++
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(c.st.ConversationID+":inbound:"+strconv.Itoa(c.st.InboundSeq))).String()
}
