package api

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/switchboard/switchboard/internal/agentevents"
	"github.com/switchboard/switchboard/internal/store"
)

// streamTiming are the clocks of an event stream.
type streamTiming struct {
	retry     time.Duration // what the client waits before reconnecting
	heartbeat time.Duration // comment line, so that proxies keep the connection
	poll      time.Duration // safety net for a lost notification
	write     time.Duration // each write must reach the client within this
	page      int           // events per query
}

var defaultStreamTiming = streamTiming{
	retry: 2 * time.Second, heartbeat: 15 * time.Second, poll: 5 * time.Second,
	write: 30 * time.Second, page: 500,
}

// sseEvent is the data line of one event.
type sseEvent struct {
	ID             int64           `json:"id"`
	Type           string          `json:"type"`
	ConversationID *string         `json:"conversation_id"`
	Payload        json.RawMessage `json:"payload"`
	CreatedAt      time.Time       `json:"created_at"`
}

// eventStream is one agent's open stream. It sends every event after last,
// in id order, waking on the hub's notifications and polling meanwhile.
type eventStream struct {
	agentID string
	last    int64
	fetch   func(ctx context.Context, agentID string, after int64, limit int) ([]store.AgentEvent, error)
	sub     *agentevents.Subscription
	// current reports whether the token that opened the stream is still
	// the agent's: a rotated token, or a deleted agent, ends the stream.
	current func(ctx context.Context) (bool, error)
	ctx     context.Context // ends when the server shuts down
	conn    net.Conn        // for the write deadline (nil in app.Test)
	logger  *slog.Logger
	timing  streamTiming
	sent    int
}

// run is the body stream writer. fasthttp copies w to the connection in
// another goroutine; when the client has gone, that copy fails and closes
// the pipe, so the next Flush here fails and the stream ends.
func (st *eventStream) run(w *bufio.Writer) {
	defer st.sub.Close()
	start := time.Now()
	st.logger.Debug("agent event stream opened", "agent_id", st.agentID, "after", st.last)
	defer func() {
		st.logger.Debug("agent event stream closed", "agent_id", st.agentID, "events", st.sent,
			"duration_ms", time.Since(start).Milliseconds())
	}()

	w.WriteString("retry: " + strconv.FormatInt(st.timing.retry.Milliseconds(), 10) + "\n\n")
	if !st.flush(w) || !st.catchUp(w) {
		return
	}
	heartbeat := time.NewTicker(st.timing.heartbeat)
	defer heartbeat.Stop()
	// Streams opened together poll at different moments.
	poll := time.NewTicker(st.timing.poll/2 + rand.N(st.timing.poll))
	defer poll.Stop()
	for {
		select {
		case <-st.ctx.Done():
			return // shutting down: the client reconnects with Last-Event-ID
		case <-heartbeat.C:
			// Also the safety net for a lost credentials notification.
			if !st.stillCurrent() {
				return
			}
			w.WriteString(": ping\n\n")
			if !st.flush(w) {
				return
			}
			continue
		case <-st.sub.Recheck():
			if !st.stillCurrent() {
				return
			}
			continue
		case <-st.sub.Wake():
		case <-poll.C:
			poll.Reset(st.timing.poll)
		}
		if !st.catchUp(w) {
			return
		}
	}
}

// stillCurrent checks the stream's credential. A database error keeps the
// stream (the next check decides): only a token known to be replaced ends it.
func (st *eventStream) stillCurrent() bool {
	if st.current == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(st.ctx, 10*time.Second)
	defer cancel()
	ok, err := st.current(ctx)
	if err != nil {
		return true
	}
	if !ok {
		st.logger.Info("agent event stream ended: its token was rotated or the agent deleted", "agent_id", st.agentID)
	}
	return ok
}

// catchUp sends everything after st.last, page by page. A database error
// is logged and retried on the next wake-up or poll; false means the
// client is gone.
func (st *eventStream) catchUp(w *bufio.Writer) bool {
	for {
		ctx, cancel := context.WithTimeout(st.ctx, 10*time.Second)
		events, err := st.fetch(ctx, st.agentID, st.last, st.timing.page)
		cancel()
		if err != nil {
			if st.ctx.Err() == nil {
				st.logger.Warn("agent events: reading the stream failed; retrying", "agent_id", st.agentID, "err", err)
			}
			return true
		}
		if len(events) == 0 {
			return true
		}
		for _, e := range events {
			data, err := json.Marshal(sseEvent{ID: e.ID, Type: e.Type, ConversationID: e.ConversationID, Payload: e.Payload, CreatedAt: e.CreatedAt})
			if err != nil { // a payload that is not JSON: jsonb makes this impossible
				st.logger.Error("agent events: encoding an event failed", "agent_id", st.agentID, "event_id", e.ID, "err", err)
				data = []byte(`{"id":` + strconv.FormatInt(e.ID, 10) + `,"type":"` + e.Type + `"}`)
			}
			id := strconv.FormatInt(e.ID, 10)
			w.WriteString("id: " + id + "\nevent: " + e.Type + "\ndata: ")
			w.Write(data)
			w.WriteString("\n\n")
		}
		if !st.flush(w) {
			return false
		}
		st.last = events[len(events)-1].ID
		st.sent += len(events)
		if len(events) < st.timing.page {
			return true
		}
	}
}

// flush hands what is buffered to the connection. The server's
// WriteTimeout (30 s) is a deadline set once for the whole response: a
// stream pushes it forward before each write instead, so that it lives as
// long as the client reads, and a client that stops reading still ends it.
func (st *eventStream) flush(w *bufio.Writer) bool {
	if st.conn != nil {
		_ = st.conn.SetWriteDeadline(time.Now().Add(st.timing.write))
	}
	return w.Flush() == nil
}
