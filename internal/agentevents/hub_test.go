package agentevents_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// withParam adds a connection parameter to a URL or key=value DSN.
func withParam(t *testing.T, dsn, key, value string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " " + key + "=" + value
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// newTestHub returns a hub listening through a connection named app (so a
// test can find and kill it), and a connection to notify on. Tests share a
// database (a schema each), and NOTIFY is per database: the listener is
// found by its application_name, never another's.
func newTestHub(t *testing.T) (*agentevents.Hub, *sql.DB, string) {
	t.Helper()
	app := "hubtest_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	dsn := withParam(t, storetest.NewDSN(t), "application_name", app)
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return agentevents.New(dsn, slog.New(slog.NewTextHandler(io.Discard, nil))), db, app
}

func woken(s *agentevents.Subscription, within time.Duration) bool {
	select {
	case <-s.Wake():
		return true
	case <-time.After(within):
		return false
	}
}

// TestHubFansOutAndSurvivesAReconnect: a NOTIFY wakes the streams of the
// agent it names, and only them; wake-ups coalesce; when the LISTEN
// connection is killed, the reconnected listener wakes every stream (what
// was notified meanwhile is lost) and notifications flow again; stopping
// the hub ends its Context.
func TestHubFansOutAndSurvivesAReconnect(t *testing.T) {
	hub, db, app := newTestHub(t)
	hub.ReconnectMin = 50 * time.Millisecond
	a1, a2, b := hub.Subscribe("agent-a"), hub.Subscribe("agent-a"), hub.Subscribe("agent-b")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.Run(ctx) }()

	// Once listening, the hub wakes everyone (events may predate LISTEN).
	for _, s := range []*agentevents.Subscription{a1, a2, b} {
		if !woken(s, 5*time.Second) {
			t.Fatal("no wake-up once the listener was ready")
		}
	}
	notify := func(agent string) {
		t.Helper()
		if _, err := db.Exec(`SELECT pg_notify($1, $2)`, store.AgentEventsChannel, agent); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	notify("agent-a")
	if !woken(a1, 2*time.Second) {
		t.Fatal("agent-a's stream was not woken")
	}
	t.Logf("NOTIFY → wake-up: %s", time.Since(start).Round(time.Microsecond))
	if !woken(a2, time.Second) {
		t.Fatal("agent-a's second stream was not woken")
	}
	if woken(b, 200*time.Millisecond) {
		t.Fatal("agent-b was woken by agent-a's notification")
	}
	// Two notifications, then one for b: notifications arrive in order, so
	// once b is woken both of a's are handled, and a1 has one wake-up pending.
	notify("agent-a")
	notify("agent-a")
	notify("agent-b")
	if !woken(b, 2*time.Second) || !woken(a1, time.Second) {
		t.Fatal("notifications were not delivered")
	}
	if woken(a1, 100*time.Millisecond) {
		t.Fatal("two notifications left two wake-ups pending: they should coalesce")
	}
	<-a2.Wake()

	// Kill the LISTEN connection: pq reconnects, and everyone is woken.
	res, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'`, app)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("terminated %d listener connections, want 1", n)
	}
	if !woken(b, 5*time.Second) || !woken(a1, time.Second) {
		t.Fatal("streams were not woken after the listener reconnected")
	}
	notify("agent-b")
	if !woken(b, 2*time.Second) {
		t.Fatal("notifications do not flow after the reconnect")
	}

	a2.Close()
	a2.Close()
	if n := hub.Subscribers(); n != 2 {
		t.Fatalf("%d subscribers after one closed, want 2", n)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if hub.Context().Err() == nil {
		t.Fatal("the hub's Context is still live after Run returned")
	}
}

// TestHubWakesTheRequestWaitingOnAMessage: a NOTIFY on the message outcome
// channel wakes the send request waiting on that message only, never an
// agent's stream whose key happens to be the same string.
func TestHubWakesTheRequestWaitingOnAMessage(t *testing.T) {
	hub, db, _ := newTestHub(t)
	id, other := uuid.NewString(), uuid.NewString()
	w, wOther, agent := hub.Subscribe(agentevents.MessageKey(id)), hub.Subscribe(agentevents.MessageKey(other)), hub.Subscribe(id)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = hub.Run(ctx) }()
	for _, s := range []*agentevents.Subscription{w, wOther, agent} { // ready: everyone woken once
		if !woken(s, 5*time.Second) {
			t.Fatal("no wake-up once the listener was ready")
		}
	}
	if _, err := db.Exec(`SELECT pg_notify($1, $2)`, store.MessageOutcomeChannel, id); err != nil {
		t.Fatal(err)
	}
	if !woken(w, 2*time.Second) {
		t.Fatal("the request waiting on the message was not woken")
	}
	if woken(wOther, 200*time.Millisecond) || woken(agent, 0) {
		t.Fatal("another message's request or an agent stream was woken")
	}
	w.Close()
	var none *agentevents.Subscription
	none.Close() // a route without a hub closes its nil watch
}
