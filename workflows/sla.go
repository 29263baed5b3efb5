package workflows

import (
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
)

// Service levels (issue 18, behind PatchServiceLevels). The conversation
// snapshots its policy when it first enters a queue; its targets' deadlines
// are computed in the policy's hours (the workstream's operating hours, or
// around the clock), so a count that pauses outside business hours is just
// a later deadline. One timer waits for the nearest moment (a warning or a
// deadline); only the main loop changes the targets.

// slaPolicy is the policy the conversation keeps: the one it snapshotted,
// else the one its routing rule names, else its workstream's.
func (c *conversation) slaPolicy() *domain.SLAPolicy {
	id := ""
	if c.st.SLA != nil {
		id = c.st.SLA.PolicyID
	}
	if r := c.st.Routing; id == "" && r != nil && r.RuleID != "" {
		for _, rule := range c.settings.Rules {
			if rule.ID == r.RuleID && rule.SLAPolicyID != nil {
				id = *rule.SLAPolicyID
			}
		}
	}
	if ws := c.workstream(); id == "" && ws != nil && ws.SLAPolicyID != nil {
		id = *ws.SLAPolicyID
	}
	for i, p := range c.settings.SLAPolicies {
		if id != "" && p.ID == id {
			return &c.settings.SLAPolicies[i]
		}
	}
	return nil
}

// slaTarget starts the target name of p at start (nil: p does not keep it).
func (c *conversation) slaTarget(p *domain.SLAPolicy, name string, start time.Time) *domain.SLATarget {
	d := p.Target(name)
	if d <= 0 {
		return nil
	}
	var hours *domain.OperatingHours
	if ws := c.workstream(); p.BusinessHours && ws != nil {
		hours = ws.OperatingHours
	}
	t := &domain.SLATarget{Status: domain.SLAPending, StartedAt: start}
	if due, ok := hours.AddOpenTime(start, d); ok {
		t.DueAt = due
		t.WarnAt, _ = hours.AddOpenTime(start, d*time.Duration(p.WarningPercent)/100)
	}
	return t
}

// slaStart starts the service levels when the conversation first enters a
// queue with a customer message: first response and resolution run from
// now.
func (c *conversation) slaStart(ctx workflow.Context) {
	if !c.slaOn || c.st.SLA != nil || c.st.InboundCount == 0 {
		return
	}
	p := c.slaPolicy()
	if p == nil {
		return
	}
	now := workflow.Now(ctx)
	c.st.SLA = &domain.ConversationSLA{
		PolicyID:      p.ID,
		FirstResponse: c.slaTarget(p, domain.SLAFirstResponse, now),
		Resolution:    c.slaTarget(p, domain.SLAResolution, now),
	}
	c.save(ctx)
	c.publish(ctx)
}

// slaCustomerWrote restarts next response at a customer message that
// follows an agent's reply.
func (c *conversation) slaCustomerWrote(ctx workflow.Context) {
	s := c.st.SLA
	if s == nil {
		c.slaStart(ctx)
		return
	}
	if !s.Answered || !c.takesWork() {
		return
	}
	s.Answered = false
	if p := c.slaPolicy(); p != nil {
		if t := c.slaTarget(p, domain.SLANextResponse, workflow.Now(ctx)); t != nil {
			s.NextResponse = t
		}
	}
	c.save(ctx)
	c.publish(ctx)
}

// slaMet records a target met at at; a breached target stays breached.
func slaMet(t *domain.SLATarget, at time.Time) bool {
	if t == nil || t.MetAt != nil {
		return false
	}
	t.MetAt = &at
	if t.Status != domain.SLABreached {
		t.Status = domain.SLAMet
	}
	return true
}

// slaReplied: an agent replied (an event the send update posts).
func (c *conversation) slaReplied(ctx workflow.Context, at time.Time) {
	s := c.st.SLA
	if s == nil {
		return
	}
	changed := slaMet(s.FirstResponse, at)
	changed = slaMet(s.NextResponse, at) || changed
	if !s.Answered {
		s.Answered, changed = true, true
	}
	if changed {
		c.save(ctx)
		c.publish(ctx)
	}
}

// slaResolved: the conversation closes (the closing sequence saves).
func (c *conversation) slaResolved(ctx workflow.Context) {
	if s := c.st.SLA; s != nil {
		slaMet(s.Resolution, workflow.Now(ctx))
	}
}

// slaNext is the nearest moment a target's status changes (zero: none).
func (c *conversation) slaNext() time.Time {
	var next time.Time
	if c.st.SLA == nil || !c.takesWork() {
		return next
	}
	for _, t := range c.st.SLA.Targets() {
		if !t.Open() || t.DueAt.IsZero() {
			continue
		}
		at := time.Time{}
		switch t.Status {
		case domain.SLAPending:
			at = t.WarnAt
		case domain.SLAWarned:
			at = t.DueAt
		}
		if !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// slaDeadline is the nearest due time of a target still running: the
// SbSlaDeadline search attribute.
func (c *conversation) slaDeadline() time.Time {
	var next time.Time
	if c.st.SLA == nil || !c.takesWork() {
		return next
	}
	for _, t := range c.st.SLA.Targets() {
		if t.Open() && t.Status != domain.SLABreached && !t.DueAt.IsZero() && (next.IsZero() || t.DueAt.Before(next)) {
			next = t.DueAt
		}
	}
	return next
}

// keepSLA waits for the nearest service-level moment with one timer. A
// moment that moves later (a target met) only costs a wake-up that finds
// nothing due; one that moves earlier (a new next-response cycle) replaces
// the timer. It tells the main loop, which changes the targets.
func (c *conversation) keepSLA(ctx workflow.Context) {
	c.keepLazyTimer(ctx, c.slaNext, func(at time.Time) { c.events = append(c.events, event{slaDue: at}) })
}

// keepLazyTimer runs one timer for the moment next says, until the
// conversation closes: a moment that moves later costs one wake-up that
// finds nothing due, one that moves earlier replaces the timer. When it
// comes, due tells the main loop (which moves next on).
func (c *conversation) keepLazyTimer(ctx workflow.Context, next func() time.Time, due func(time.Time)) {
	for {
		_ = workflow.Await(ctx, func() bool { return !next().IsZero() || c.st.State == StateClosed })
		if c.st.State == StateClosed {
			return
		}
		at := next()
		if d := at.Sub(workflow.Now(ctx)); d > 0 {
			tctx, cancel := workflow.WithCancel(ctx)
			fired := false
			timer := workflow.NewTimer(tctx, d)
			workflow.Go(tctx, func(ctx workflow.Context) { fired = timer.Get(ctx, nil) == nil })
			_ = workflow.Await(ctx, func() bool {
				n := next()
				return fired || c.st.State == StateClosed || (!n.IsZero() && n.Before(at))
			})
			if !fired {
				cancel()
			}
			continue
		}
		due(at)
		_ = workflow.Await(ctx, func() bool { return !next().Equal(at) || c.st.State == StateClosed })
	}
}

// slaCheck moves the targets whose moment came: warned, or breached; and
// runs the policy's escalation steps for each.
func (c *conversation) slaCheck(ctx workflow.Context) {
	s := c.st.SLA
	// A closing conversation escalates nothing (its resolution was met
	// when the close began).
	if s == nil || !c.takesWork() {
		return
	}
	now := workflow.Now(ctx)
	for i, t := range s.Targets() {
		if !t.Open() || t.DueAt.IsZero() {
			continue
		}
		name := domain.SLATargets[i]
		switch {
		case t.Status != domain.SLABreached && !now.Before(t.DueAt):
			t.Status = domain.SLABreached
			c.slaEscalate(ctx, name, t, domain.SLAOnBreach)
		case t.Status == domain.SLAPending && !now.Before(t.WarnAt):
			t.Status = domain.SLAWarned
			c.slaEscalate(ctx, name, t, domain.SLAOnWarning)
		}
	}
	c.publish(ctx)
}

// slaEscalate tells the agent, then runs the policy's steps for this
// target and trigger, in order, each once: its key (target, cycle,
// trigger, step) is recorded before it runs and carried across
// continue-as-new.
func (c *conversation) slaEscalate(ctx workflow.Context, name string, t *domain.SLATarget, on string) {
	ev, what := domain.EventSLAWarning, " is about to be missed"
	if on == domain.SLAOnBreach {
		ev, what = domain.EventSLABreach, " was missed"
	}
	cycle := name + "/" + strconv.FormatInt(t.StartedAt.UnixMilli(), 10) + "/" + on
	c.saveNote(ctx, ev, cycle, "Service level: "+name+what+" (due "+t.DueAt.UTC().Format(time.RFC3339)+")", false)
	p := c.slaPolicy()
	if p == nil {
		return
	}
	for i, step := range p.Escalations {
		key := cycle + "/" + strconv.Itoa(i)
		if step.On != on || (step.Target != "" && step.Target != name) || slices.Contains(c.st.SLASteps, key) {
			continue
		}
		c.st.SLASteps = append(c.st.SLASteps, key)
		supervisors := step.Action == domain.SLANotify &&
			workflow.GetVersion(ctx, PatchSLASupervisors, workflow.DefaultVersion, 1) == 1
		note := c.slaStep(ctx, step)
		if supervisors {
			note = c.notifyAll()
		}
		if note != "" {
			c.saveNote(ctx, "", key, "Escalation ("+name+", "+on+"): "+note, supervisors)
		}
	}
}

// slaStep runs one escalation step and says what it did ("" for nothing).
func (c *conversation) slaStep(ctx workflow.Context, step domain.SLAEscalation) string {
	switch step.Action {
	case domain.SLARaisePriority:
		if c.st.State != StateQueued || c.st.Routing == nil {
			return "priority not raised: the conversation is not waiting in a queue"
		}
		if err := c.raisePriority(ctx, step.Priority); err != nil {
			return "raising the priority was refused: " + err.Error()
		}
		return "priority raised to " + strconv.Itoa(c.st.Routing.Priority)
	case domain.SLAMoveQueue:
		t := TransferRequest{QueueID: step.QueueID, By: "service-level", Reason: "escalation"}
		if step.QueueID == c.st.QueueID {
			return "already in the escalation queue"
		}
		if err := c.checkTransfer(t); err != nil {
			return "not moved: " + err.Error()
		}
		if err := c.transfer(ctx, t); err != nil {
			return "moving to queue " + step.QueueID + " was refused: " + err.Error()
		}
		return "moved to queue " + step.QueueID
	case domain.SLANotify:
		if c.st.AgentID == "" {
			return "no agent to notify"
		}
		return "agent " + c.st.AgentID + " notified"
	case domain.SLAMessageCustomer:
		if !c.sessionOpenAt(workflow.Now(ctx)) {
			return "customer not messaged: the 24-hour window is closed"
		}
		c.sendInternal(ctx, domain.AuthorSystem, step.Text, nil)
		return "automated message sent to the customer"
	}
	return ""
}

// notifyAll says what a notify step does once the queue's supervisors
// are told too (PatchSLASupervisors): the save that records it carries
// NotifySupervisors, and the agent, when there is one, hears of the breach
// or warning itself (slaEscalate).
func (c *conversation) notifyAll() string {
	if c.st.AgentID == "" {
		return "the queue's supervisors notified (no agent)"
	}
	return "agent " + c.st.AgentID + " and the queue's supervisors notified"
}

// raisePriority raises the conversation's priority in its queue, keeping
// its place in line (the dispatcher refreshes a waiting conversation).
func (c *conversation) raisePriority(ctx workflow.Context, by int) error {
	r := *c.st.Routing
	r.Priority += by
	in := activities.EnqueueInput{
		ConversationID: c.st.ConversationID, QueueID: r.QueueID, Priority: r.Priority, Skills: r.Skills,
		CapacityCost: 1, Distribution: domain.DistributionPush,
	}
	if ws := c.workstream(); ws != nil {
		in.CapacityCost, in.Distribution, in.OperatingHours = ws.CapacityPerConversation, ws.Distribution, ws.OperatingHours
	}
	var out activities.EnqueueOutput
	if err := workflow.ExecuteActivity(patientCtx(ctx), a.Enqueue, in).Get(ctx, &out); err != nil {
		return domainError(err)
	}
	c.st.Routing = &r
	if out.AgentID != "" {
		c.assignTo(ctx, out.AgentID)
	} else {
		c.save(ctx)
	}
	return nil
}

// saveNote saves the conversation with a transcript event (and tells the
// agent ev when set, the queue's supervisors when asked), once per key.
func (c *conversation) saveNote(ctx workflow.Context, ev, key, note string, supervisors bool) {
	c.saveTranscriptEvent(ctx, ev, "sla/"+key, note, supervisors)
}

// saveTranscriptEvent saves the conversation with a system event of the
// transcript (and tells the agent ev when set, the queue's supervisors
// when asked), once per key.
func (c *conversation) saveTranscriptEvent(ctx workflow.Context, ev, key, note string, supervisors bool) {
	r := c.record()
	r.Event = ev
	r.Note = note
	r.NotifySupervisors = supervisors
	r.NoteKey = c.st.ConversationID + "/" + key
	c.st.EventSeq++
	r.EventKey = c.st.ConversationID + "/" + strconv.Itoa(c.st.EventSeq) + "/" + ev + "/" + c.st.AgentID
	if err := durably(ctx, a.SaveConversation, r, nil); err != nil {
		c.logger.Error("saving the conversation was refused", "error", err)
	}
}

// cloneSLA copies the service levels for an activity's input.
func cloneSLA(s *domain.ConversationSLA) *domain.ConversationSLA {
	if s == nil {
		return nil
	}
	out := *s
	for _, t := range []**domain.SLATarget{&out.FirstResponse, &out.NextResponse, &out.Resolution} {
		if *t != nil {
			v := **t
			*t = &v
		}
	}
	return &out
}
