package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// agentSend sends the agent's message in its conversation: text, text with
// media, interactive (buttons or a list, inside the window only), or a
// template. Like the admin send it answers once Twilio
// accepted or refused it (202 with the message queued after SendWait); a
// WINDOW_CLOSED answer lists the templates to use instead.
func (s *Server) agentSend(c *fiber.Ctx) error {
	var in sendInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	conv, err := s.agentConversation(c, false)
	if err != nil {
		return err
	}
	me, err := authenticatedAgent(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.checkSendInput(ctx, in); err != nil {
		return err
	}
	req := workflows.SendRequest{
		MessageID:      requestUUID(c),
		ConversationID: conv.ID,
		Author:         domain.AgentAuthor(me.ID),
		Text:           in.Text,
		MediaURLs:      in.MediaURLs,
		Interactive:    in.Interactive,
	}
	if in.Template != nil {
		if req.Template, req.TemplateBody, err = s.resolveTemplate(ctx, *in.Template); err != nil {
			return err
		}
	}
	return agentWorkflowError(conv.ID, s.withTemplateChoices(ctx, s.send(c, conv.Conversation, req)))
}
