package store_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// collectSink keeps an export in memory and checks its shape as it comes.
type collectSink struct {
	t     *testing.T
	convs []domain.Conversation
	msgs  map[string][]string
	open  bool
}

func (s *collectSink) Conversation(c domain.Conversation) error {
	if s.open {
		s.t.Fatal("a conversation started before the previous one ended")
	}
	s.open = true
	s.convs = append(s.convs, c)
	return nil
}

func (s *collectSink) Message(m domain.Message) error {
	if !s.open {
		s.t.Fatal("a message outside a conversation")
	}
	id := s.convs[len(s.convs)-1].ID
	s.msgs[id] = append(s.msgs[id], m.ID)
	return nil
}

func (s *collectSink) EndConversation() error {
	if !s.open {
		s.t.Fatal("end without a conversation")
	}
	s.open = false
	return nil
}

// TestExportClosedPages: the export of the scripted day, read two
// conversations a page, has every closed conversation once, in close
// order, each with exactly its transcript; the transcript reads the same.
func TestExportClosedPages(t *testing.T) {
	f := newDayFixture(t)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		c := scriptConv{ws: i % 2, start: day.Add(time.Duration(i) * time.Hour), queue: "sales", queuedAt: time.Minute,
			closeAt: time.Duration(60-i) * time.Minute, reason: "x", inbound: []time.Duration{2 * time.Minute}}
		if i%3 == 0 {
			c.inbound = nil // only the first message
		}
		if i == 4 {
			c.closeAt = 0 // still open: not exported
		}
		if i == 5 {
			c.queue = "support" // outside a sales supervisor's scope
		}
		f.script(i, c)
	}
	f.play()
	defer store.SetExportPage(store.SetExportPage(2))
	sink := &collectSink{t: t, msgs: map[string][]string{}}
	if err := f.st.ExportClosed(f.ctx, day, day.Add(24*time.Hour), nil, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.convs) != 6 || sink.open {
		t.Fatalf("%d conversations exported (open %v), want 6", len(sink.convs), sink.open)
	}
	if !slices.IsSortedFunc(sink.convs, func(a, b domain.Conversation) int { return a.ClosedAt.Compare(*b.ClosedAt) }) {
		t.Fatal("not in close order")
	}
	for _, c := range sink.convs {
		conv, err := f.st.GetConversation(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := f.st.ListMessages(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range msgs {
			ids = append(ids, m.ID)
		}
		a, _ := json.Marshal(conv)
		b, _ := json.Marshal(c)
		if !slices.Equal(ids, sink.msgs[c.ID]) || len(ids) == 0 || string(a) != string(b) {
			t.Errorf("conversation %s: exported %v, transcript %v", c.ID, sink.msgs[c.ID], ids)
		}
	}
	// A queue scope exports only the conversations of those queues.
	for queue, want := range map[string]int{"sales": 5, "support": 1} {
		scoped := &collectSink{t: t, msgs: map[string][]string{}}
		if err := f.st.ExportClosed(f.ctx, day, day.Add(24*time.Hour), []string{f.queues[queue]}, scoped); err != nil {
			t.Fatal(err)
		}
		if len(scoped.convs) != want {
			t.Errorf("export scoped to %s: %d conversations, want %d", queue, len(scoped.convs), want)
		}
		for _, c := range scoped.convs {
			if c.QueueID == nil || *c.QueueID != f.queues[queue] {
				t.Errorf("export scoped to %s has conversation %s of queue %v", queue, c.ID, c.QueueID)
			}
		}
	}
	// A supervisor of no queue exports nothing.
	none := &collectSink{t: t, msgs: map[string][]string{}}
	if err := f.st.ExportClosed(f.ctx, day, day.Add(24*time.Hour), []string{}, none); err != nil || len(none.convs) != 0 {
		t.Fatalf("export scoped to no queue: %d conversations, %v", len(none.convs), err)
	}
}
