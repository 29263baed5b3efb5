package domain

// PurgeResult counts the rows one retention purge batch deleted, by kind
// (internal/store deletes them; workflows/retention sums the batches).
type PurgeResult struct {
	Messages      int64 `json:"messages"`      // transcript lines
	Inbox         int64 `json:"inbox"`         // inbound webhooks already delivered (a copy of the message)
	StatusEvents  int64 `json:"status_events"` // delivery status callbacks
	Conversations int64 `json:"conversations"` // closed conversations (with what is left of their transcript)
	AgentEvents   int64 `json:"agent_events"`  // agents' event streams
	Contacts      int64 `json:"contacts"`      // customers no conversation refers to any more
	// SupervisorEvents: the supervisors' event stream.
	SupervisorEvents int64 `json:"supervisor_events"`
}

// Total is the number of rows deleted.
func (r PurgeResult) Total() int64 {
	return r.Messages + r.Inbox + r.StatusEvents + r.Conversations + r.AgentEvents + r.Contacts + r.SupervisorEvents
}

// Add sums two results.
func (r PurgeResult) Add(o PurgeResult) PurgeResult {
	return PurgeResult{r.Messages + o.Messages, r.Inbox + o.Inbox, r.StatusEvents + o.StatusEvents,
		r.Conversations + o.Conversations, r.AgentEvents + o.AgentEvents, r.Contacts + o.Contacts,
		r.SupervisorEvents + o.SupervisorEvents}
}

// TableRows is how many rows of a table a customer erasure deleted.
type TableRows struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// ErasureCounts says how many rows a customer erasure deleted, per table.
type ErasureCounts map[string]int64

// Total is the number of rows deleted.
func (e ErasureCounts) Total() int64 {
	var n int64
	for _, v := range e {
		n += v
	}
	return n
}
