package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
)

// publish keeps what operators see current: search attributes (only when
// they changed, each upsert is a history event) and the workflow details.
func (c *conversation) publish(ctx workflow.Context) {
	if ups := c.searchAttributeUpdates(workflow.GetTypedSearchAttributes(ctx)); len(ups) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, ups...); err != nil {
			c.logger.Warn("upserting search attributes failed", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, c.details(workflow.Now(ctx)))
}

func (c *conversation) searchAttributeUpdates(cur temporal.SearchAttributes) []temporal.SearchAttributeUpdate {
	var ups []temporal.SearchAttributeUpdate
	keyword := func(k temporal.SearchAttributeKeyKeyword, v string) {
		if old, ok := cur.GetKeyword(k); !ok || old != v {
			ups = append(ups, k.ValueSet(v))
		}
	}
	keyword(SAState, c.st.State)
	keyword(SAMode, c.st.Mode)
	if !c.st.WindowExpiresAt.IsZero() {
		if old, ok := cur.GetTime(SAWindowExpiresAt); !ok || !old.Equal(c.st.WindowExpiresAt) {
			ups = append(ups, SAWindowExpiresAt.ValueSet(c.st.WindowExpiresAt))
		}
	}
	return ups
}

func (c *conversation) details(now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** · mode **%s**", c.st.State, c.st.Mode)
	if c.st.ModeReason != "" && c.st.Mode == domain.ModeTemplateOnly {
		fmt.Fprintf(&b, " (%s)", c.st.ModeReason)
	}
	b.WriteString("\n\n")
	if !c.st.WindowExpiresAt.IsZero() {
		if left := c.st.WindowExpiresAt.Sub(now); left > 0 {
			fmt.Fprintf(&b, "- window closes %s (in %s)\n", c.st.WindowExpiresAt.UTC().Format(time.RFC3339), left.Round(time.Second))
		} else {
			fmt.Fprintf(&b, "- window closed %s\n", c.st.WindowExpiresAt.UTC().Format(time.RFC3339))
		}
	}
	fmt.Fprintf(&b, "- customer %s %s\n", domain.Mask(c.st.CustomerE164), c.st.ProfileName)
	fmt.Fprintf(&b, "- messages: %d in, %d out\n", c.st.InboundCount, c.st.OutboundCount)
	fmt.Fprintf(&b, "- conversation %s\n", c.st.ConversationID)
	if c.st.CloseReason != "" {
		fmt.Fprintf(&b, "- closed: %s\n", c.st.CloseReason)
	}
	return b.String()
}
