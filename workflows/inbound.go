package workflows

import (
	"maps"
	"slices"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// handleInbound records a burst of customer messages, then lets the
// conversation react: greeting, refused attachments, bot, routing. It
// reports whether any message was new.
func (c *conversation) handleInbound(ctx workflow.Context, msgs []domain.InboundMessage) bool {
	if testPatch != nil {
		testPatch(ctx)
	}
	first := c.st.InboundCount == 0
	hadSLA := c.st.SLA != nil
	added, refusedMedia := c.recordInbound(ctx, msgs)
	if len(added) == 0 {
		return false
	}
	if first {
		c.sendAutomated(ctx, domain.MsgGreeting)
	}
	c.followupsCustomerWrote(ctx)
	if refusedMedia {
		c.sendAutomated(ctx, domain.MsgAttachmentRefused)
	}
	for _, m := range added {
		if !c.st.BotActive || !c.takesWork() {
			break
		}
		c.askBot(ctx, m)
	}
	if !c.st.BotActive && c.st.Routing == nil && c.takesWork() {
		c.route(ctx, added[len(added)-1])
	}
	if c.slaOn && hadSLA && c.takesWork() {
		c.slaCustomerWrote(ctx)
	} else if c.slaOn && (c.st.State == StateQueued || c.st.State == StateAssigned) {
		c.slaStart(ctx)
	}
	return true
}

// recordInbound stores new customer messages in one database write and
// moves the window: last customer message + window length. Messages seen
// before (Twilio retries, webhook and relay both delivering, a redelivery
// by the inbox sweep) change nothing. Media the workstream refuses is
// dropped before it is stored, so agents never see it.
func (c *conversation) recordInbound(ctx workflow.Context, msgs []domain.InboundMessage) (added []domain.InboundMessage, refusedMedia bool) {
	fresh := c.unseen(msgs)
	if len(fresh) == 0 {
		return nil, false
	}
	for i := range fresh {
		m := &fresh[i]
		if len(m.Media) > 0 && c.refusesCustomerMedia() {
			m.Extra = withEntry(m.Extra, "media_refused", strconv.Itoa(len(m.Media)))
			m.Media = nil
			refusedMedia = true
		}
		m.ID = c.newInboundID()
		// Taking the maximum keeps this idempotent: a duplicate the database
		// catches below moves nothing that it had not moved already.
		if m.ReceivedAt.After(c.st.LastCustomerMessageAt) {
			c.st.LastCustomerMessageAt = m.ReceivedAt
		}
		if m.ProfileName != "" {
			c.st.ProfileName = m.ProfileName
		}
	}
	if exp := c.st.LastCustomerMessageAt.Add(c.window); exp.After(c.st.WindowExpiresAt) {
		c.st.WindowExpiresAt = exp
	}
	now := workflow.Now(ctx)
	if c.st.WindowExpiresAt.After(now) && c.st.Mode != domain.ModeSession {
		c.st.Mode = domain.ModeSession
		c.st.ModeReason = "customer_message"
	}

	var results []domain.InboundResult
	in := activities.RecordInboundInput{Conversation: c.record(), Messages: fresh}
	in.Conversation.Campaign = c.campaignOpening(fresh)
	if err := durably(ctx, a.RecordInbound, in, &results); err != nil {
		c.logger.Error("recording inbound messages was refused", "error", err)
		return nil, false
	}
	for i, r := range results {
		c.rememberSID(r.MessageSID)
		if r.Inserted {
			c.st.InboundCount++
			added = append(added, fresh[i])
		}
	}
	if len(added) > 0 {
		c.st.LastActivityAt = now
	}
	return added, refusedMedia
}

// campaignOpening is the campaign message a conversation the customer
// opens answers: that of its first message that has one (the webhook
// found it: domain.CampaignLink), taken when the conversation has no
// message yet (a proactive start or an earlier message came first: the
// transcript does not start with the campaign). It names the campaign on
// the conversation; the store copies the message into the transcript.
// Recorded with the messages: no command of its own. Histories from
// before the link carry none and take nothing.
func (c *conversation) campaignOpening(fresh []domain.InboundMessage) *domain.CampaignLink {
	if c.st.InboundCount > 0 || c.st.OutboundCount > 0 || c.st.CampaignID != "" {
		return nil
	}
	for _, m := range fresh {
		if l := m.Campaign; l != nil && l.CampaignID != "" {
			c.st.CampaignID, c.st.CampaignName = l.CampaignID, l.CampaignName
			return l
		}
	}
	return nil
}

// unseen drops the messages this conversation has just seen, and repeats
// within msgs.
func (c *conversation) unseen(msgs []domain.InboundMessage) []domain.InboundMessage {
	out := make([]domain.InboundMessage, 0, len(msgs))
	for _, m := range msgs {
		if slices.Contains(c.st.RecentSIDs, m.MessageSID) ||
			slices.ContainsFunc(out, func(o domain.InboundMessage) bool { return o.MessageSID == m.MessageSID }) {
			continue
		}
		out = append(out, m)
	}
	return out
}

func (c *conversation) refusesCustomerMedia() bool {
	ws := c.workstream()
	return ws != nil && !ws.Attachments.Customer
}

func withEntry(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	out[k] = v
	return out
}

func (c *conversation) rememberSID(sid string) {
	c.st.RecentSIDs = append(c.st.RecentSIDs, sid)
	if n := len(c.st.RecentSIDs); n > recentSIDLimit {
		c.st.RecentSIDs = slices.Clone(c.st.RecentSIDs[n-recentSIDLimit:])
	}
}
