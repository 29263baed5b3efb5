package workflows

import (
	"strconv"
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

// windowSearchValue is the window deadline as operators filter on it:
// rounded up (the quarter hour, the minute for the short windows of tests),
// so that customer messages move it, and cost a history event and a
// visibility write, at most once per quarter hour. The exact deadline is in
// the `state` query and the database.
func windowSearchValue(t time.Time, window time.Duration) time.Time {
	q := time.Minute
	if window >= 4*time.Hour {
		q = 15 * time.Minute
	}
	r := t.Truncate(q)
	if r.Before(t) {
		r = r.Add(q)
	}
	return r.UTC()
}

func (c *conversation) searchAttributeUpdates(cur temporal.SearchAttributes) []temporal.SearchAttributeUpdate {
	var ups []temporal.SearchAttributeUpdate
	keyword := func(k temporal.SearchAttributeKeyKeyword, v string) {
		if old, ok := cur.GetKeyword(k); !ok || old != v {
			ups = append(ups, k.ValueSet(v))
		}
	}
	keyword(SAState, string(c.st.State))
	keyword(SAMode, c.st.Mode)
	if c.st.QueueID != "" {
		keyword(SAQueue, c.st.QueueID)
	}
	if c.st.AgentID != "" {
		keyword(SAAgent, c.st.AgentID)
	}
	if !c.st.WindowExpiresAt.IsZero() {
		at := windowSearchValue(c.st.WindowExpiresAt, c.window)
		if old, ok := cur.GetTime(SAWindowExpiresAt); !ok || !old.Equal(at) {
			ups = append(ups, SAWindowExpiresAt.ValueSet(at))
		}
	}
	if d := c.slaDeadline(); !d.IsZero() {
		d = d.UTC().Truncate(time.Second)
		if old, ok := cur.GetTime(SASlaDeadline); !ok || !old.Equal(d) {
			ups = append(ups, SASlaDeadline.ValueSet(d))
		}
	} else if _, ok := cur.GetTime(SASlaDeadline); ok {
		ups = append(ups, SASlaDeadline.ValueUnset())
	}
	return ups
}

// details is the markdown shown in the Temporal UI. It avoids fmt, whose
// reflection workflowcheck cannot prove deterministic.
func (c *conversation) details(now time.Time) string {
	var b strings.Builder
	b.WriteString("**" + string(c.st.State) + "** · mode **" + c.st.Mode + "**")
	if c.st.ModeReason != "" && c.st.Mode == domain.ModeTemplateOnly {
		b.WriteString(" (" + c.st.ModeReason + ")")
	}
	b.WriteString("\n\n")
	if !c.st.WindowExpiresAt.IsZero() {
		at := c.st.WindowExpiresAt.UTC().Format(time.RFC3339)
		if left := c.st.WindowExpiresAt.Sub(now); left > 0 {
			b.WriteString("- window closes " + at + " (in " + left.Round(time.Second).String() + ")\n")
		} else {
			b.WriteString("- window closed " + at + "\n")
		}
	}
	if s := c.st.SLA; s != nil {
		for i, t := range s.Targets() {
			if t != nil {
				b.WriteString("- " + domain.SLATargets[i] + ": **" + t.Status + "**, due " + t.DueAt.UTC().Format(time.RFC3339) + "\n")
			}
		}
	}
	b.WriteString("- customer " + domain.Mask(c.st.CustomerE164) + " " + c.st.ProfileName + "\n")
	b.WriteString("- messages: " + strconv.Itoa(c.st.InboundCount) + " in, " + strconv.Itoa(c.st.OutboundCount) + " out\n")
	if r := c.st.Routing; r != nil {
		b.WriteString("- routing: " + r.Reason + "\n")
	}
	if c.st.QueueID != "" {
		b.WriteString("- queue " + c.st.QueueID + "\n")
	}
	if c.st.AgentID != "" {
		b.WriteString("- agent " + c.st.AgentID + "\n")
	}
	if c.st.BotNote != "" {
		b.WriteString("- bot: " + c.st.BotNote + "\n")
	}
	if c.st.NoteCount > 0 {
		b.WriteString("- internal notes: " + strconv.Itoa(c.st.NoteCount) + " (last by " + c.st.LastNoteBy + ")\n")
	}
	b.WriteString("- conversation " + c.st.ConversationID + "\n")
	if c.st.CloseReason != "" {
		b.WriteString("- closed: " + c.st.CloseReason)
		if c.st.ClosedBy != "" {
			b.WriteString(" by " + c.st.ClosedBy)
		}
		b.WriteString("\n")
	}
	return b.String()
}
