package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// handleInbound records a burst of customer messages in one local activity
// and moves the window: last customer message + window length. Messages seen
// before (Twilio retries, webhook and relay both delivering) change nothing.
func (c *conversation) handleInbound(ctx workflow.Context, msgs []domain.InboundMessage) {
	fresh := msgs[:0:0]
	for _, m := range msgs {
		if slices.Contains(c.st.RecentSIDs, m.MessageSID) || containsSID(fresh, m.MessageSID) {
			continue
		}
		fresh = append(fresh, m)
	}
	if len(fresh) == 0 {
		return
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
	if c.st.WindowExpiresAt.After(workflow.Now(ctx)) && c.st.Mode != domain.ModeSession {
		c.st.Mode = domain.ModeSession
		c.st.ModeReason = "customer_message"
	}

	var results []domain.InboundResult
	in := activities.RecordInboundInput{Conversation: c.record(), Messages: fresh}
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), a.RecordInbound, in).Get(ctx, &results); err != nil {
		c.logger.Warn("recording inbound messages failed", "error", err)
		return
	}
	for _, r := range results {
		c.rememberSID(r.MessageSID)
		if r.Inserted {
			c.st.InboundCount++
		}
	}
}

func (c *conversation) rememberSID(sid string) {
	c.st.RecentSIDs = append(c.st.RecentSIDs, sid)
	if n := len(c.st.RecentSIDs); n > recentSIDLimit {
		c.st.RecentSIDs = slices.Clone(c.st.RecentSIDs[n-recentSIDLimit:])
	}
}

func containsSID(msgs []domain.InboundMessage, sid string) bool {
	for _, m := range msgs {
		if m.MessageSID == sid {
			return true
		}
	}
	return false
}

// onDelivery reacts to a failed delivery reported by a status callback.
func (c *conversation) onDelivery(ctx workflow.Context, d DeliveryUpdate) {
	if d.ErrorCode == twilioWindowClosed {
		c.toTemplateOnly(ctx, "twilio_63016")
	}
}
