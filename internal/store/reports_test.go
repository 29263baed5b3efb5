package store_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/distribution"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// A scripted day of traffic, played against the store and the dispatcher
// with a test clock, every call made twice (as when a worker dies after the
// commit and the activity runs again). The expected figures are computed
// here from the script, not from the database, and compared exactly.

// scriptConv is one conversation of the day; offsets are from start.
type scriptConv struct {
	ws         int // 0: Paris workstream and number, 1: New York
	start      time.Time
	bot        bool
	queue      string        // "" never queued
	queuedAt   time.Duration // enqueue (pick mode: waits for a claim)
	agent      string        // claims it (or "" never assigned)
	assignedAt time.Duration
	transferTo string // AssignTo another agent
	transferAt time.Duration
	replies    []time.Duration // agent messages (the agent holding it then)
	templates  []time.Duration // agent template messages
	inbound    []time.Duration // further customer messages
	notes      []time.Duration // internal notes (the holder's, else the admin's)
	failFirst  bool            // the first reply is refused by Twilio
	failStatus bool            // the first template fails later (status callback)
	expireAt   time.Duration   // the window closes (0: never)
	closeAt    time.Duration   // 0: still open
	reason     string
	surveyAt   time.Duration // survey question (after close)
	score      int           // answer, at surveyAt + 1m (0: none)
	labels     []string      // label names put on it a minute after its start
}

type step struct {
	at   time.Time
	name string
	do   func() error
}

type dayFixture struct {
	t       *testing.T
	ctx     context.Context
	st      *store.Store
	d       *distribution.Dispatcher
	now     time.Time
	account string
	numbers [2]string
	ws      [2]domain.Workstream
	queues  map[string]string // name -> id
	agents  map[string]string // name -> id
	labels  map[string]string // name -> id
	steps   []step
}

func newDayFixture(t *testing.T) *dayFixture {
	f := &dayFixture{t: t, ctx: context.Background(), st: storetest.New(t), queues: map[string]string{}, agents: map[string]string{}, labels: map[string]string{}}
	f.st.SetClock(func() time.Time { return f.now })
	f.d = distribution.NewDispatcher(f.st)
	f.now = time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC)
	acc, err := f.st.CreateAccount(f.ctx, store.NewAccount{Name: "A", AccountSID: "AC0123456789abcdef0123456789abcdef", AuthTokenEnc: "x",
		Numbers: []store.NewNumber{{Name: "paris", E164: "+33140000000"}, {Name: "ny", E164: "+12125550100"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.account = acc.ID
	f.numbers = [2]string{acc.Numbers[0].ID, acc.Numbers[1].ID}
	for _, q := range []string{"sales", "support"} {
		f.queues[q] = mustQueue(t, f.st, q).ID
	}
	for i, tz := range []string{"Europe/Paris", "America/New_York"} {
		w := mustWorkstream(t, f.st, "ws-"+tz, nil)
		w.OperatingHours = &domain.OperatingHours{Timezone: tz, Weekly: map[string][]domain.TimeRange{}}
		if w, err = f.st.UpdateWorkstream(f.ctx, w.ID, 0, w, testAudit); err != nil {
			t.Fatal(err)
		}
		f.ws[i] = w
	}
	for _, name := range []string{"vip", "refund"} {
		l, err := f.st.CreateLabel(f.ctx, name, "#336699", testAudit)
		if err != nil {
			t.Fatal(err)
		}
		f.labels[name] = l.ID
	}
	for _, name := range []string{"alice", "bob"} {
		a, err := f.st.CreateAgent(f.ctx, domain.Agent{Name: name, Email: name + "@example.com", Capacity: 10, Skills: map[string]int{},
			QueueIDs: []string{f.queues["sales"], f.queues["support"]}, Presence: domain.PresenceAvailable}, "hash-"+name, testAudit)
		if err != nil {
			t.Fatal(err)
		}
		f.agents[name] = a.ID
	}
	return f
}

func (f *dayFixture) at(t time.Time, name string, do func() error) {
	f.steps = append(f.steps, step{at: t, name: name, do: do})
}

// play runs the steps in time order, each twice.
func (f *dayFixture) play() {
	sort.SliceStable(f.steps, func(i, j int) bool { return f.steps[i].at.Before(f.steps[j].at) })
	for _, s := range f.steps {
		f.now = s.at
		for range 2 {
			if err := s.do(); err != nil {
				f.t.Fatalf("%s at %s: %v", s.name, s.at.Format(time.RFC3339), err)
			}
		}
	}
}

// script turns a conversation into the calls the workflow's activities make.
func (f *dayFixture) script(i int, c scriptConv) {
	id := uuid.NewString()
	rec := domain.ConversationRecord{ID: id, AccountID: f.account, NumberID: f.numbers[c.ws],
		CustomerE164: fmt.Sprintf("+3361000%04d", i), WorkstreamID: f.ws[c.ws].ID, Mode: domain.ModeSession, State: domain.StateQueued}
	rec.WorkflowID = domain.ConversationWorkflowID(rec.NumberID, rec.CustomerE164)
	if c.bot {
		rec.State = domain.StateBot
	}
	save := func(r domain.ConversationRecord) func() error {
		return func() error { return f.st.SaveConversation(f.ctx, r) }
	}
	inbound := func(r domain.ConversationRecord, n int, body string) func() error {
		return func() error {
			_, err := f.st.RecordInbound(f.ctx, r, []domain.InboundMessage{{ID: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/%d", id, n)).String(),
				MessageSID: fmt.Sprintf("SM%s%02d", id[:8], n), Body: body, ReceivedAt: f.now}})
			return err
		}
	}
	f.at(c.start, "first message", inbound(rec, 0, "bonjour"))
	for _, name := range c.labels {
		f.at(c.start.Add(time.Minute), "label "+name, func() error {
			return f.st.AddConversationLabel(f.ctx, id, f.labels[name], testAudit)
		})
	}
	for n, d := range c.inbound {
		r := rec // the conversation as the workflow has it then
		if c.queue != "" && d >= c.queuedAt {
			r.State = domain.StateQueued
		}
		if c.agent != "" && d >= c.assignedAt {
			r.State = domain.StateAssigned
		}
		f.at(c.start.Add(d), "customer message", inbound(r, n+1, "encore"))
	}
	if c.queue != "" {
		f.at(c.start.Add(c.queuedAt), "enqueue", func() error {
			_, err := f.d.Enqueue(f.ctx, distribution.EnqueueRequest{ConversationID: id, QueueID: f.queues[c.queue], Distribution: domain.DistributionPick})
			if err != nil {
				return err
			}
			r := rec
			r.State = domain.StateQueued
			return f.st.SaveConversation(f.ctx, r)
		})
	}
	holder := func(t time.Duration) string {
		if c.transferTo != "" && t >= c.transferAt {
			return c.transferTo
		}
		return c.agent
	}
	if c.agent != "" {
		f.at(c.start.Add(c.assignedAt), "claim", func() error {
			if err := f.d.Claim(f.ctx, id, f.agents[c.agent]); err != nil {
				return err
			}
			r := rec
			r.State, r.Event, r.EventKey = domain.StateAssigned, domain.EventAssignment, id+"/assigned"
			return f.st.SaveConversation(f.ctx, r)
		})
	}
	if c.transferTo != "" {
		f.at(c.start.Add(c.transferAt), "transfer", func() error {
			_, err := f.d.AssignTo(f.ctx, id, f.agents[c.transferTo])
			return err
		})
	}
	out := func(n int, d time.Duration, tmpl bool, fail bool) {
		msgID := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/out/%d", id, n)).String()
		f.at(c.start.Add(d), "agent message", func() error {
			m := domain.Message{ID: msgID, ConversationID: id, Direction: domain.Outbound, Author: domain.AgentAuthor(f.agents[holder(d)]), Body: "hello"}
			if tmpl {
				m.Template = &domain.TemplateUse{Name: "follow_up", Language: "fr"}
			}
			if _, err := f.st.CreateOutbound(f.ctx, m); err != nil {
				return err
			}
			switch {
			case fail && !tmpl:
				_, err := f.st.MarkSendFailed(f.ctx, msgID, 63016, "outside the window")
				return err
			case fail:
				sid := "SMout" + msgID[:8]
				if _, err := f.st.RecordSendResult(f.ctx, msgID, sid, domain.StatusQueued); err != nil {
					return err
				}
				_, err := f.st.ApplyStatus(f.ctx, f.account, sid, domain.StatusUndelivered, 30008, "unknown")
				return err
			}
			return nil
		})
	}
	for n, d := range c.notes {
		noteID := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s/note/%d", id, n)).String()
		f.at(c.start.Add(d), "note", func() error {
			author := domain.AuthorAdmin
			if a := holder(d); a != "" && d >= c.assignedAt {
				author = domain.AgentAuthor(f.agents[a])
			}
			_, err := f.st.CreateNote(f.ctx, domain.Message{ID: noteID, ConversationID: id, Author: author, Body: "note"})
			return err
		})
	}
	for n, d := range c.replies {
		out(n, d, false, n == 0 && c.failFirst)
	}
	for n, d := range c.templates {
		out(100+n, d, true, n == 0 && c.failStatus)
	}
	if c.expireAt > 0 {
		r := rec
		r.Mode, r.Event, r.EventKey = domain.ModeTemplateOnly, domain.EventWindowClosed, id+"/window"
		f.at(c.start.Add(c.expireAt), "window closes", save(r))
	}
	if c.closeAt > 0 {
		r := rec
		r.State, r.CloseReason = domain.StateWrapUp, c.reason
		f.at(c.start.Add(c.closeAt), "close", func() error {
			if err := f.st.SaveConversation(f.ctx, r); err != nil {
				return err
			}
			if c.queue == "" && c.agent == "" {
				return nil
			}
			_, err := f.d.Release(f.ctx, id)
			return err
		})
		end := c.closeAt + time.Minute
		if c.surveyAt > 0 {
			s := r
			s.State = domain.StateSurvey
			qID := uuid.NewSHA1(uuid.NameSpaceOID, []byte(id+"/survey")).String()
			f.at(c.start.Add(c.surveyAt), "survey", func() error {
				if err := f.st.SaveConversation(f.ctx, s); err != nil {
					return err
				}
				_, err := f.st.CreateOutbound(f.ctx, domain.Message{ID: qID, ConversationID: id, Direction: domain.Outbound, Author: domain.AuthorSystem, Body: "1-5?"})
				return err
			})
			end = c.surveyAt + 2*time.Minute
			if c.score > 0 {
				scored := s
				scored.SurveyScore = c.score
				f.at(c.start.Add(c.surveyAt+time.Minute), "score", func() error {
					if err := inbound(s, 99, fmt.Sprint(c.score))(); err != nil {
						return err
					}
					return f.st.SaveConversation(f.ctx, scored)
				})
			}
		}
		closed := r
		closed.State, closed.SurveyScore, closed.Event, closed.EventKey = domain.StateClosed, c.score, domain.EventConversationClosed, id+"/closed"
		f.at(c.start.Add(end), "closed", save(closed))
	}
}

// expected computes one group's figures from the script alone.
type expectedRow struct {
	group                  string
	figs                   store.ConversationFigures
	waits, firsts, handles []float64
	scores                 []int
	surveyed               int
}

func percentile(v []float64, p float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	s := slices.Clone(v)
	slices.Sort(s)
	x := s[int(math.Ceil(p*float64(len(s))))-1]
	return &x
}

func TestReportsScriptedDay(t *testing.T) {
	f := newDayFixture(t)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	h := func(hours, minutes int) time.Time {
		return day.Add(time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute)
	}
	m := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	s := func(n int) time.Duration { return time.Duration(n) * time.Second }
	convs := []scriptConv{
		// Before the day: excluded.
		{ws: 0, start: h(-2, 0), queue: "sales", queuedAt: m(1), agent: "alice", assignedAt: m(3), replies: []time.Duration{m(4)}, closeAt: m(20), reason: "agent"},
		// Opened before midnight, queued after: counted (first queue).
		{ws: 0, start: h(-1, 55), bot: true, queue: "sales", queuedAt: m(10), agent: "alice", assignedAt: m(12) + s(30),
			replies: []time.Duration{m(13), m(20)}, inbound: []time.Duration{m(11), m(14)}, closeAt: m(40), reason: "agent",
			surveyAt: m(41), score: 5, labels: []string{"vip"}},
		// New York, 03:00 UTC is 23:00 on the 9th there.
		{ws: 1, start: h(3, 0), queue: "support", queuedAt: s(30), agent: "bob", assignedAt: m(2), replies: []time.Duration{m(5)},
			failFirst: true, closeAt: m(30), reason: "agent", surveyAt: m(31), score: 3, labels: []string{"vip", "refund"}},
		{ws: 1, start: h(9, 0), queue: "support", queuedAt: 0, agent: "bob", assignedAt: m(7), transferTo: "alice", transferAt: m(20),
			replies: []time.Duration{m(9), m(25)}, templates: []time.Duration{m(26)}, failStatus: true, closeAt: m(45), reason: "agent",
			surveyAt: m(46)},
		// Abandoned in the queue.
		{ws: 0, start: h(10, 0), queue: "sales", queuedAt: s(5), inbound: []time.Duration{m(3)}, closeAt: m(30), reason: "inactivity", labels: []string{"refund"}},
		// Resolved by the bot.
		{ws: 0, start: h(11, 0), bot: true, inbound: []time.Duration{m(1), m(2)}, closeAt: m(5), reason: "bot"},
		// Bot still talking at the end: no figure but its messages.
		{ws: 1, start: h(12, 0), bot: true, inbound: []time.Duration{m(1)}},
		{ws: 0, start: h(14, 0), queue: "sales", queuedAt: m(1), agent: "alice", assignedAt: m(2), replies: []time.Duration{m(2) + s(40)},
			expireAt: m(50), templates: []time.Duration{m(55)}, closeAt: m(60), reason: "agent", surveyAt: m(61), score: 4, labels: []string{"vip"}},
		// Waiting when the report is read.
		{ws: 1, start: h(20, 0), queue: "support", queuedAt: m(1)},
		// Paris, 23:30 UTC is 00:30 on the 11th there.
		{ws: 0, start: h(23, 30), queue: "sales", queuedAt: m(2), agent: "bob", assignedAt: m(4), replies: []time.Duration{m(6)}, closeAt: m(12), reason: "agent"},
		// After the day: excluded.
		{ws: 1, start: h(24, 30), queue: "support", queuedAt: m(1), agent: "bob", assignedAt: m(2), closeAt: m(10), reason: "agent", labels: []string{"vip"}},
	}
	for i, c := range convs {
		f.script(i, c)
	}
	// Presence through the day.
	presence := func(t time.Time, agent, p string) {
		f.at(t, "presence", func() error { _, err := f.st.SetPresence(f.ctx, f.agents[agent], p); return err })
	}
	presence(h(12, 0), "alice", domain.PresenceAway)
	presence(h(13, 0), "alice", domain.PresenceAvailable)
	presence(h(18, 0), "bob", domain.PresenceOffline)
	presence(h(23, 0), "bob", domain.PresenceAvailable)
	f.play()
	f.now = day.Add(30 * time.Hour)

	from, to := day, day.Add(24*time.Hour)
	for _, groupBy := range store.GroupBys {
		t.Run(groupBy, func(t *testing.T) {
			want := f.expect(convs, from, to, groupBy)
			got, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: groupBy})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d groups, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				g := got[i]
				gid := ""
				if g.GroupID != nil {
					gid = *g.GroupID
				}
				g.GroupID, g.GroupName = nil, nil
				if gid != want[i].group || !equalFigures(g, want[i].figs) {
					t.Errorf("group %q:\n got %s\nwant %q %s", gid, dump(g), want[i].group, dump(want[i].figs))
				}
			}
		})
	}

	t.Run("agents", func(t *testing.T) {
		got, err := f.st.AgentReport(f.ctx, store.ReportQuery{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		// alice: available all day but 12:00-13:00 away; bob: offline
		// 18:00-23:00. Worked: alice the 00:05 (12m30s→40m), the 09:00
		// one from its transfer (20m→45m) and 14:00 (2m→60m); bob 03:00
		// (2m→30m), 09:00 until the transfer (7m→20m), 23:30 (4m→12m).
		want := map[string]store.AgentFigures{
			"alice": {AvailableSeconds: 23 * 3600, AwaySeconds: 3600, Handled: 3,
				HandleSecondsTotal: (27*60 + 30) + 25*60 + 58*60},
			"bob": {AvailableSeconds: 19 * 3600, OfflineSeconds: 5 * 3600, Handled: 3,
				HandleSecondsTotal: 28*60 + 13*60 + 8*60},
		}
		if len(got) != 2 {
			t.Fatalf("agents: %+v", got)
		}
		for _, g := range got {
			w := want[g.Name]
			avg := w.HandleSecondsTotal / float64(w.Handled)
			w.HandleSecondsAvg, w.AgentID, w.Name = &avg, g.AgentID, g.Name
			if dump(g) != dump(w) {
				t.Errorf("agent %s:\n got %s\nwant %s", g.Name, dump(g), dump(w))
			}
		}
	})

	// label=: only the conversations that carry the label, every figure
	// computed from the script's labelled conversations alone.
	for _, label := range []string{"vip", "refund"} {
		var labelled []scriptConv
		for _, c := range convs {
			if slices.Contains(c.labels, label) {
				labelled = append(labelled, c)
			}
		}
		for _, groupBy := range []string{store.GroupByDay, store.GroupByAgent} {
			t.Run("label "+label+" by "+groupBy, func(t *testing.T) {
				want := f.expect(labelled, from, to, groupBy)
				got, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: groupBy, LabelID: f.labels[label]})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) || len(want) == 0 {
					t.Fatalf("%d groups, want %d: %s", len(got), len(want), dump(got))
				}
				for i := range want {
					g := got[i]
					gid := ""
					if g.GroupID != nil {
						gid = *g.GroupID
					}
					g.GroupID, g.GroupName = nil, nil
					if gid != want[i].group || !equalFigures(g, want[i].figs) {
						t.Errorf("group %q:\n got %s\nwant %q %s", gid, dump(g), want[i].group, dump(want[i].figs))
					}
				}
			})
		}
	}
	t.Run("label and queue scope", func(t *testing.T) {
		got, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: store.GroupByQueue,
			QueueIDs: []string{f.queues["support"]}, LabelID: f.labels["vip"]})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || *got[0].GroupID != f.queues["support"] || got[0].Offered != 1 || got[0].CSATResponses != 1 {
			t.Fatalf("support and vip: %s", dump(got))
		}
		if _, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: store.GroupByDay, LabelID: "vip"}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("a label name given to the store: %v", err)
		}
	})

	t.Run("queue scope", func(t *testing.T) {
		got, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: store.GroupByQueue, QueueIDs: []string{f.queues["support"]}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || *got[0].GroupID != f.queues["support"] || got[0].Offered != 3 {
			t.Fatalf("support only: %s", dump(got))
		}
	})
}

// expect computes the report from the script: each conversation's anchor,
// group and measures, by the definitions of docs/supervisor-reports.md.
func (f *dayFixture) expect(convs []scriptConv, from, to time.Time, groupBy string) []expectedRow {
	rows := map[string]*expectedRow{}
	var order []string
	for _, c := range convs {
		anchor := c.start
		if c.queue != "" {
			anchor = c.start.Add(c.queuedAt)
		}
		if anchor.Before(from) || !anchor.Before(to) {
			continue
		}
		last := c.agent
		if c.transferTo != "" {
			last = c.transferTo
		}
		var g string
		switch groupBy {
		case store.GroupByDay:
			loc, _ := time.LoadLocation(f.ws[c.ws].OperatingHours.Timezone)
			g = anchor.In(loc).Format("2006-01-02")
		case store.GroupByQueue:
			g = f.queues[c.queue]
		case store.GroupByAgent:
			g = f.agents[last]
		case store.GroupByWorkstream:
			g = f.ws[c.ws].ID
		case store.GroupByNumber:
			g = f.numbers[c.ws]
		}
		r := rows[g]
		if r == nil {
			r = &expectedRow{group: g}
			rows[g] = r
			order = append(order, g)
		}
		closed := c.closeAt > 0
		if c.queue != "" {
			r.figs.Offered++
			if c.agent == "" && closed {
				r.figs.Abandoned++
			}
		}
		if c.bot && c.queue == "" && c.agent == "" && closed {
			r.figs.BotResolved++
		}
		if c.agent != "" {
			r.figs.Handled++
			r.waits = append(r.waits, (c.assignedAt - c.queuedAt).Seconds())
			if len(c.replies) > 0 {
				r.firsts = append(r.firsts, (c.replies[0] - c.queuedAt).Seconds())
			}
			if closed {
				r.handles = append(r.handles, (c.closeAt - c.assignedAt).Seconds())
			}
		}
		r.figs.MessagesIn += 1 + len(c.inbound)
		r.figs.MessagesOut += len(c.replies) + len(c.templates)
		r.figs.TemplatesSent += len(c.templates)
		if c.surveyAt > 0 {
			r.surveyed++
			r.figs.MessagesOut++
		}
		if c.score > 0 {
			r.scores = append(r.scores, c.score)
			r.figs.MessagesIn++
		}
		if c.expireAt > 0 {
			r.figs.WindowExpiries++
		}
		if c.failFirst {
			r.figs.FailedSends++
		}
		if c.failStatus {
			r.figs.FailedSends++
		}
	}
	// Groups in the report's order: by id as PostgreSQL sorts text, none last.
	sort.SliceStable(order, func(i, j int) bool {
		if order[i] == "" || order[j] == "" {
			return order[j] == "" && order[i] != ""
		}
		return order[i] < order[j]
	})
	out := make([]expectedRow, 0, len(order))
	for _, g := range order {
		r := rows[g]
		r.figs.WaitSecondsP50, r.figs.WaitSecondsP90 = percentile(r.waits, 0.5), percentile(r.waits, 0.9)
		r.figs.FirstResponseSecondsP50, r.figs.FirstResponseSecondsP90 = percentile(r.firsts, 0.5), percentile(r.firsts, 0.9)
		r.figs.HandleSecondsP50, r.figs.HandleSecondsP90 = percentile(r.handles, 0.5), percentile(r.handles, 0.9)
		r.figs.CSATResponses = len(r.scores)
		if len(r.scores) > 0 {
			sum := 0
			for _, s := range r.scores {
				sum += s
			}
			avg := float64(sum) / float64(len(r.scores))
			r.figs.CSATAvg = &avg
		}
		if r.surveyed > 0 {
			rate := float64(len(r.scores)) / float64(r.surveyed)
			r.figs.CSATResponseRate = &rate
		}
		out = append(out, *r)
	}
	return out
}

func equalFigures(a, b store.ConversationFigures) bool { return dump(a) == dump(b) }

func dump(v any) string {
	return fmt.Sprintf("%+v", deref(v))
}

// deref shows pointers' values, so that figures compare and print by value.
func deref(v any) any {
	switch x := v.(type) {
	case store.ConversationFigures:
		return []any{x.Offered, x.Handled, x.Abandoned, x.BotResolved, p(x.WaitSecondsP50), p(x.WaitSecondsP90),
			p(x.FirstResponseSecondsP50), p(x.FirstResponseSecondsP90), p(x.HandleSecondsP50), p(x.HandleSecondsP90),
			p(x.CSATAvg), x.CSATResponses, p(x.CSATResponseRate), x.MessagesIn, x.MessagesOut, x.TemplatesSent,
			x.WindowExpiries, x.FailedSends}
	case store.AgentFigures:
		return []any{x.AgentID, x.Name, x.AvailableSeconds, x.BusySeconds, x.AwaySeconds, x.OfflineSeconds, x.Handled,
			x.HandleSecondsTotal, p(x.HandleSecondsAvg)}
	}
	return v
}

func p(f *float64) string {
	if f == nil {
		return "nil"
	}
	return fmt.Sprint(*f)
}
