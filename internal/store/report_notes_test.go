package store_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// TestNotesChangeNoFigure: internal notes (direction internal, status
// note) are in the transcript but are not messages we sent: written before
// an agent's first reply, in a conversation with no reply, in a waiting
// one or after the close, they change no figure of any grouping — no
// messages_out, no first agent reply, no first response time. The
// expected figures are computed from the script, which ignores notes.
func TestNotesChangeNoFigure(t *testing.T) {
	f := newDayFixture(t)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	m := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	convs := []scriptConv{
		// A note by alice before her first reply, and one after.
		{ws: 0, start: day.Add(9 * time.Hour), queue: "sales", queuedAt: m(1), agent: "alice", assignedAt: m(3),
			notes: []time.Duration{m(4), m(12)}, replies: []time.Duration{m(10)}, closeAt: m(30), reason: "agent"},
		// Bob only writes notes: no first reply, no message out.
		{ws: 1, start: day.Add(10 * time.Hour), queue: "support", queuedAt: m(1), agent: "bob", assignedAt: m(2),
			notes: []time.Duration{m(5), m(6)}, closeAt: m(20), reason: "agent"},
		// Still waiting: a supervisor's note.
		{ws: 0, start: day.Add(11 * time.Hour), queue: "sales", queuedAt: m(1), notes: []time.Duration{m(2)}},
		// A note after the close.
		{ws: 1, start: day.Add(12 * time.Hour), queue: "support", queuedAt: m(1), agent: "alice", assignedAt: m(2),
			replies: []time.Duration{m(3)}, closeAt: m(8), reason: "agent", notes: []time.Duration{m(15)}},
	}
	for i, c := range convs {
		f.script(i, c)
	}
	f.play()
	f.now = day.Add(30 * time.Hour)
	from, to := day, day.Add(24*time.Hour)
	for _, groupBy := range store.GroupBys {
		want := f.expect(convs, from, to, groupBy)
		got, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: groupBy})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d groups, want %d: %s", groupBy, len(got), len(want), dump(got))
		}
		for i := range want {
			g := got[i]
			g.GroupID, g.GroupName = nil, nil
			if !equalFigures(g, want[i].figs) {
				t.Errorf("%s group %q:\n got %s\nwant %s", groupBy, want[i].group, dump(g), dump(want[i].figs))
			}
		}
	}
	all, err := f.st.ConversationReport(f.ctx, store.ReportQuery{From: from, To: to, GroupBy: store.GroupByNumber})
	if err != nil {
		t.Fatal(err)
	}
	out := 0
	for _, g := range all {
		out += g.MessagesOut
	}
	if out != 2 {
		t.Errorf("messages_out %d, want the 2 replies (5 notes written)", out)
	}
}
