package legacy

import (
	"maps"
	"slices"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// handleInbound records a burst of customer messages, then lets the
// conversation react: greeting, refused attachments, bot, routing.
func (c *conversation) handleInbound(ctx workflow.Context, msgs []domain.InboundMessage) {
	first := c.st.InboundCount == 0
	added, refusedMedia := c.recordInbound(ctx, msgs)
	if len(added) == 0 {
		return
	}
	if first {
		c.sendAutomated(ctx, domain.MsgGreeting)
	}
	if refusedMedia {
		c.sendAutomated(ctx, domain.MsgAttachmentRefused)
	}
	for _, m := range added {
		if !c.st.BotActive {
			break
		}
		c.askBot(ctx, m)
	}
	if !c.st.BotActive && c.st.Routing == nil {
		c.route(ctx, added[len(added)-1])
	}
}

// recordInbound stores new customer messages in one local activity and
// moves the window: last customer message + window length. Messages seen
// before (Twilio retries, webhook and relay both delivering) change nothing.
// Media the workstream refuses is dropped before it is stored, so agents
// never see it.
func (c *conversation) recordInbound(ctx workflow.Context, msgs []domain.InboundMessage) (added []domain.InboundMessage, refusedMedia bool) {
	fresh := msgs[:0:0]
	for _, m := range msgs {
		if slices.Contains(c.st.RecentSIDs, m.MessageSID) || containsSID(fresh, m.MessageSID) {
			continue
		}
		if len(m.Media) > 0 && c.refusesCustomerMedia() {
			m.Extra = maps1(m.Extra, "media_refused", strconv.Itoa(len(m.Media)))
			m.Media = nil
			refusedMedia = true
		}
		m.ID = c.newInboundID()
		fresh = append(fresh, m)
	}
	if len(fresh) == 0 {
		return nil, false
	}
	for _, m := range fresh {
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
	if err := workflow.ExecuteLocalActivity(durableCtx(ctx), a.RecordInbound, in).Get(ctx, &results); err != nil {
		c.logger.Warn("recording inbound messages failed", "error", err)
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

func (c *conversation) refusesCustomerMedia() bool {
	ws := c.workstream()
	return ws != nil && !ws.Attachments.Customer
}

func maps1(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	out[k] = v
	return out
}

func containsSID(msgs []domain.InboundMessage, sid string) bool {
	return slices.ContainsFunc(msgs, func(m domain.InboundMessage) bool { return m.MessageSID == sid })
}

func (c *conversation) rememberSID(sid string) {
	c.st.RecentSIDs = append(c.st.RecentSIDs, sid)
	if n := len(c.st.RecentSIDs); n > recentSIDLimit {
		c.st.RecentSIDs = slices.Clone(c.st.RecentSIDs[n-recentSIDLimit:])
	}
}

// onDelivery reacts to a failed delivery reported by a status callback.
func (c *conversation) onDelivery(ctx workflow.Context, d DeliveryUpdate) {
	if d.ErrorCode == twilioWindowClosed {
		c.toTemplateOnly(ctx, domain.ModeReasonTwilio63016)
	}
}
