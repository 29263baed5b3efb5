package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestQueueActivityFromScriptedFacts writes report facts for a morning of
// two queues and compares the queue-activity report with figures worked
// out by hand from the script below.
func TestQueueActivityFromScriptedFacts(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	day := func(hms string) time.Time {
		at, err := time.Parse(time.RFC3339, "2026-03-10T"+hms+"Z")
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	now := day("09:20:00")
	st.SetClock(func() time.Time { return now })
	sales, support := insertQueue(t, st, "sales"), insertQueue(t, st, "support")
	empty := insertQueue(t, st, "zz-empty")
	fast := mustWorkstream(t, st, "fast", nil)
	fast.Supervision = &domain.Supervision{WaitThreshold: domain.Duration(2 * time.Minute), NoReplyAfter: domain.Duration(10 * time.Minute)}
	fast, err := st.UpdateWorkstream(ctx, fast.ID, 0, fast, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	plain := mustWorkstream(t, st, "plain", nil) // the default: 5m

	base := newConversation(t, st)
	n := 0
	conv := func(ws string, facts ...store.Fact) {
		t.Helper()
		n++
		c := base
		c.ID, c.CustomerE164 = uuid.NewString(), fmt.Sprintf("+336000001%02d", n)
		c.WorkflowID = domain.ConversationWorkflowID(c.NumberID, c.CustomerE164)
		if err := st.SaveConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(`UPDATE conversations SET workstream_id = $2 WHERE id = $1`, c.ID, ws); err != nil {
			t.Fatal(err)
		}
		for i, f := range facts {
			f.Key = fmt.Sprint(i)
			if err := store.AddFact(ctx, st.DB(), c.ID, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := func(t time.Time) *time.Time { return &t }
	queued := func(q, hms string) store.Fact {
		return store.Fact{Kind: store.FactQueued, At: at(day(hms)), QueueID: q}
	}
	assigned := func(hms string) store.Fact { return store.Fact{Kind: store.FactAssigned, At: at(day(hms))} }
	closed := func(hms string) store.Fact { return store.Fact{Kind: store.FactClosed, At: at(day(hms))} }

	conv(fast.ID, queued(sales, "07:50:00"), assigned("08:01:00"))                                                   // c1: 11m > 2m
	conv(plain.ID, queued(sales, "08:10:00"), assigned("08:14:00"))                                                  // c2: 4m <= 5m
	conv(fast.ID, queued(sales, "08:20:00"), assigned("08:21:30"))                                                   // c3: 1m30s <= 2m
	conv(plain.ID, queued(sales, "08:25:00"), closed("08:40:00"))                                                    // c4: abandoned
	conv(fast.ID, queued(sales, "08:35:00"), queued(support, "08:50:00"), assigned("09:05:00"))                      // c5: transferred, 15m in support
	conv(plain.ID, queued(support, "09:00:00"), assigned("09:00:00"))                                                // c6: no wait at all
	conv(plain.ID, queued(support, "09:10:00"))                                                                      // c7: still waiting
	conv(plain.ID, store.Fact{Kind: store.FactQueued, At: at(day("00:00:00").AddDate(0, 0, -37)), QueueID: support}) // c8: beyond the lookback
	conv(plain.ID, queued(support, "08:05:00"), assigned("08:12:00"), closed("08:12:00"))                            // c9: 7m, the assignment wins the tie
	conv(fast.ID, queued(sales, "08:40:00"), assigned("08:41:00"), queued(sales, "09:02:00"), assigned("09:10:00"))  // c10: requeued

	// Per step 08:00, 08:30, 09:00, 09:30: waiting (-1: after now, null),
	// entered, answered, answered within, abandoned, service level (-1: null).
	type want struct {
		waiting, entered, answered, within, abandoned [4]int
		sl                                            [4]float64
	}
	expect := map[string]want{
		sales: {waiting: [4]int{1, 1, 0, -1}, entered: [4]int{3, 2, 1, 0}, answered: [4]int{3, 1, 1, 0}, within: [4]int{2, 1, 0, 0},
			abandoned: [4]int{0, 1, 0, 0}, sl: [4]float64{2.0 / 3, 0.5, 0, -1}},
		support: {waiting: [4]int{0, 0, 1, -1}, entered: [4]int{1, 1, 2, 0}, answered: [4]int{1, 0, 2, 0}, within: [4]int{0, 0, 1, 0},
			abandoned: [4]int{0, 0, 0, 0}, sl: [4]float64{0, -1, 0.5, -1}},
		empty: {waiting: [4]int{0, 0, 0, -1}, sl: [4]float64{-1, -1, -1, -1}},
	}
	flatten := func(pts []store.QueueActivityPoint) want {
		var w want
		for i, p := range pts {
			w.waiting[i], w.sl[i] = -1, -1
			if p.Waiting != nil {
				w.waiting[i] = *p.Waiting
			}
			if p.ServiceLevel != nil {
				w.sl[i] = *p.ServiceLevel
			}
			w.entered[i], w.answered[i], w.within[i], w.abandoned[i] = p.Entered, p.Answered, p.AnsweredWithinThreshold, p.Abandoned
		}
		return w
	}

	q := store.QueueActivityQuery{From: day("08:00:00"), To: day("10:00:00"), Step: 30 * time.Minute, DefaultWait: 5 * time.Minute}
	got, err := st.QueueActivity(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].QueueID != sales || got[1].QueueID != support || got[2].QueueID != empty || got[0].QueueName != "sales" {
		t.Fatalf("queues: %+v", got)
	}
	for _, qa := range got {
		if len(qa.Points) != 4 {
			t.Fatalf("%s: %d points", qa.QueueName, len(qa.Points))
		}
		for i, p := range qa.Points {
			if !p.At.Equal(q.From.Add(time.Duration(i) * q.Step)) {
				t.Fatalf("%s: point %d at %s", qa.QueueName, i, p.At)
			}
		}
		if g := flatten(qa.Points); g != expect[qa.QueueID] {
			t.Errorf("%s:\n got %+v\nwant %+v", qa.QueueName, g, expect[qa.QueueID])
		}
	}

	// A supervisor of support reads support only; an uneven last step is
	// shorter (09:00-09:45 in 30m steps: 09:00, 09:30).
	q.QueueIDs, q.From, q.To = []string{support}, day("09:00:00"), day("09:45:00")
	got, err = st.QueueActivity(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].QueueID != support || len(got[0].Points) != 2 {
		t.Fatalf("scoped: %+v", got)
	}
	if p := got[0].Points[0]; p.Waiting == nil || *p.Waiting != 1 || p.Answered != 2 || p.AnsweredWithinThreshold != 1 {
		t.Fatalf("scoped 09:00: %+v", p)
	}
	// A default threshold of 20m makes the 7-minute answer of c9 within it
	// (c5's workstream keeps its own 2m).
	q.QueueIDs, q.From, q.To, q.DefaultWait = []string{support}, day("08:00:00"), day("10:00:00"), 20*time.Minute
	if got, err = st.QueueActivity(ctx, q); err != nil {
		t.Fatal(err)
	}
	if g := flatten(got[0].Points); g.within != [4]int{1, 0, 1, 0} || g.sl != [4]float64{1, -1, 0.5, -1} {
		t.Fatalf("default 20m: %+v", g)
	}
}
