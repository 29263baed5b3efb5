package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// Twilio's answer to a message, stored either way (a SID, or a refusal),
// is announced on MessageOutcomeChannel with the message's id at commit:
// the send routes wait on it instead of polling the row.
func TestSendOutcomesAreNotified(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	l := pq.NewListener(storetest.BaseDSN(t), 10*time.Millisecond, time.Second, nil)
	defer l.Close()
	if err := l.Listen(store.MessageOutcomeChannel); err != nil {
		t.Fatal(err)
	}
	// Tests share the database, and NOTIFY is per database: wait for our id.
	notified := func(id string) bool {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case n := <-l.Notify:
				if n != nil && n.Extra == id {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}
	conv := newConversation(t, st)
	sent, failed := outbound(t, st, conv), outbound(t, st, conv)
	if _, err := st.RecordSendResult(ctx, sent.ID, "SM00000000000000000000000000000001", domain.StatusQueued); err != nil {
		t.Fatal(err)
	}
	if !notified(sent.ID) {
		t.Fatal("no notification for a message Twilio accepted")
	}
	if _, err := st.MarkSendFailed(ctx, failed.ID, 21211, "Invalid 'To' Phone Number"); err != nil {
		t.Fatal(err)
	}
	if !notified(failed.ID) {
		t.Fatal("no notification for a message Twilio refused")
	}
}
