package relay

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

func inboxRow(wf string, id int64, redelivery bool) store.PendingInbound {
	return store.PendingInbound{WorkflowID: wf, Redelivery: redelivery,
		Message: domain.InboundMessage{InboxID: id, MessageSID: fmt.Sprintf("SM%d", id)}}
}

// The sweep delivers again what Temporal took but the workflow never
// recorded, with the conversation's waiting messages in inbox order,
// counts each redelivery and marks it; a conversation Temporal refuses is
// neither counted nor marked, and keeps its order.
func TestSweepRedeliversUnrecordedMessagesInOrder(t *testing.T) {
	st := &fakeStore{done: map[int64]bool{}}
	// conv:a lost 1 and 3; 2 and 4 wait for their first delivery.
	st.rows = []store.PendingInbound{inboxRow("conv:a", 2, false), inboxRow("conv:a", 4, false), inboxRow("conv:b", 6, false)}
	st.unrecorded = []store.PendingInbound{inboxRow("conv:a", 1, true), inboxRow("conv:a", 3, true), inboxRow("conv:c", 5, true)}
	tc := &slowTemporal{refuse: "conv:c", got: map[string][]int64{}}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	var counted atomic.Int32
	r.OnRedelivery = func() { counted.Add(1) }

	n, err := r.Sweep(context.Background())
	if n != 6 || err == nil {
		t.Fatalf("sweep: %d rows, %v (want 6 tried and conv:c's error)", n, err)
	}
	if got := fmt.Sprint(tc.got["conv:a"]); got != "[1 2 3 4]" {
		t.Fatalf("conv:a got %s, want [1 2 3 4]", got)
	}
	if got := fmt.Sprint(tc.got["conv:b"]); got != "[6]" {
		t.Fatalf("conv:b got %s", got)
	}
	if counted.Load() != 2 || !st.redelivered[1] || !st.redelivered[3] || st.redelivered[5] {
		t.Fatalf("counted %d, marked %v", counted.Load(), st.redelivered)
	}
	// Marked rows are not due again (the store spaces them out).
	tc.got = map[string][]int64{}
	r.flushMarks(context.Background())
	if _, err := r.Sweep(context.Background()); err == nil || len(tc.got["conv:a"]) != 0 {
		t.Fatalf("second sweep: %v, conv:a got %v", err, tc.got["conv:a"])
	}
}

// RedeliverAfter 0 turns the safety net off.
func TestRedeliveryOff(t *testing.T) {
	st := &fakeStore{done: map[int64]bool{}}
	st.unrecorded = []store.PendingInbound{inboxRow("conv:a", 1, true)}
	tc := &slowTemporal{got: map[string][]int64{}}
	r := New(st, tc, "q", time.Hour, slog.New(slog.DiscardHandler))
	r.RedeliverAfter = 0
	if n, err := r.Sweep(context.Background()); n != 0 || err != nil || len(tc.got) != 0 {
		t.Fatalf("sweep with redelivery off: %d, %v, %v", n, err, tc.got)
	}
}
