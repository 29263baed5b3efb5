package store

import (
	"context"
	"fmt"
	"time"
)

// QueueActivityQuery selects the queue-activity report: [From, To) cut in
// steps of Step from From, for QueueIDs (nil: every queue). DefaultWait is
// the wait threshold of conversations whose workstream has none.
type QueueActivityQuery struct {
	From, To    time.Time
	Step        time.Duration
	QueueIDs    []string
	DefaultWait time.Duration
}

// QueueActivityLookback bounds how long before From a wait may have begun
// and still be counted (a wait longer than the longest inactivity timeout
// is not a wait any more).
const QueueActivityLookback = 31 * 24 * time.Hour

// QueueActivityPoint is one step of one queue (docs/supervisor.md defines
// each figure). A wait is a stay in the queue: from a queued fact to the
// conversation's next assigned or closed fact (or next queued fact, a
// transfer or a requeue).
type QueueActivityPoint struct {
	At time.Time `json:"at"`
	// Waiting: conversations waiting in the queue at At; nil when At is
	// after now (not known yet).
	Waiting *int `json:"waiting"`
	// Entered: waits that began in [At, At+Step).
	Entered int `json:"entered"`
	// Answered: waits that ended in the step with an assignment, and of
	// those, AnsweredWithinThreshold: within the wait threshold of the
	// conversation's workstream.
	Answered                int `json:"answered"`
	AnsweredWithinThreshold int `json:"answered_within_threshold"`
	// Abandoned: waits that ended in the step with the close.
	Abandoned int `json:"abandoned"`
	// ServiceLevel: AnsweredWithinThreshold / (Answered + Abandoned), nil
	// when nothing was answered or abandoned.
	ServiceLevel *float64 `json:"service_level"`
}

// QueueActivity is one queue of the queue-activity report.
type QueueActivity struct {
	QueueID   string               `json:"queue_id" db:"id"`
	QueueName string               `json:"queue_name" db:"name"`
	Points    []QueueActivityPoint `json:"points" db:"-"`
}

// queueWait is one stay of a conversation in a queue.
type queueWait struct {
	QueueID     string     `db:"queue_id"`
	Start       time.Time  `db:"start"`
	Stop        *time.Time `db:"stop"`
	EndedBy     *string    `db:"ended_by"`
	ThresholdMS int64      `db:"threshold_ms"`
}

// QueueActivityBuckets is how many steps [from, to) holds (the last one
// may be shorter).
func QueueActivityBuckets(from, to time.Time, step time.Duration) int {
	if step <= 0 || !from.Before(to) {
		return 0
	}
	span := to.Sub(from)
	n := int(span / step)
	if span%step != 0 {
		n++
	}
	return n
}

// QueueActivity computes, per queue of the scope and per step, the waiting
// count at the step's start and what the waits that ended in the step
// became, from the report facts: the queued, assigned and closed facts.
// Queues are ordered by name; every queue of the scope has every step.
func (s *Store) QueueActivity(ctx context.Context, q QueueActivityQuery) ([]QueueActivity, error) {
	n := QueueActivityBuckets(q.From, q.To, q.Step)
	if n == 0 {
		return nil, fmt.Errorf("queue activity: empty interval or step")
	}
	scope := scopeArray(q.QueueIDs)
	var now time.Time
	if err := s.db.GetContext(ctx, &now, `SELECT COALESCE($1::timestamptz, now())`, s.stamp()); err != nil {
		return nil, err
	}
	out := []QueueActivity{}
	if err := s.db.SelectContext(ctx, &out, `
		SELECT id, name FROM queues WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[]) ORDER BY name, id`, scope); err != nil {
		return nil, fmt.Errorf("queue activity: %w", err)
	}
	// A wait ends at the conversation's first assigned or closed fact at or
	// after it began, or its next queued fact (an assignment at the same
	// instant as the close wins).
	var waits []queueWait
	if err := s.db.SelectContext(ctx, &waits, `
		SELECT f.queue_id::text AS queue_id, f.at AS start, e.at AS stop, e.kind AS ended_by,
			COALESCE(ws.supervision_wait_threshold_ms, $4) AS threshold_ms
		FROM report_facts f
		JOIN conversations c ON c.id = f.conversation_id
		LEFT JOIN workstreams ws ON ws.id = c.workstream_id
		LEFT JOIN LATERAL (
			SELECT g.at, g.kind FROM report_facts g
			WHERE g.conversation_id = f.conversation_id
			  AND ((g.kind IN ('assigned', 'closed') AND g.at >= f.at) OR (g.kind = 'queued' AND g.at > f.at))
			ORDER BY g.at, g.kind = 'assigned' DESC, g.kind = 'closed' DESC LIMIT 1
		) e ON true
		WHERE f.kind = 'queued' AND f.queue_id IS NOT NULL
		  AND f.at < $2 AND f.at >= $1::timestamptz - make_interval(secs => $5)
		  AND (e.at IS NULL OR e.at >= $1)
		  AND ($3::uuid[] IS NULL OR f.queue_id = ANY($3::uuid[]))`,
		q.From, q.To, scope, q.DefaultWait.Milliseconds(), QueueActivityLookback.Seconds()); err != nil {
		return nil, fmt.Errorf("queue activity: %w", err)
	}
	index := make(map[string]int, len(out))
	for i := range out {
		index[out[i].QueueID] = i
		pts := make([]QueueActivityPoint, n)
		for b := range pts {
			pts[b].At = q.From.Add(time.Duration(b) * q.Step)
			if !pts[b].At.After(now) {
				pts[b].Waiting = new(int)
			}
		}
		out[i].Points = pts
	}
	// bucket is the step holding t, or -1 outside [From, To).
	bucket := func(t time.Time) int {
		if t.Before(q.From) || !t.Before(q.To) {
			return -1
		}
		return int(t.Sub(q.From) / q.Step)
	}
	// firstAtOrAfter is the first step whose start is at or after t.
	firstAtOrAfter := func(t time.Time) int {
		if !t.After(q.From) {
			return 0
		}
		d := t.Sub(q.From)
		b := int(d / q.Step)
		if d%q.Step != 0 {
			b++
		}
		return b
	}
	for _, w := range waits {
		qi, ok := index[w.QueueID]
		if !ok {
			continue
		}
		pts := out[qi].Points
		// Waiting at each step start in [Start, Stop).
		last := n
		if w.Stop != nil {
			last = min(n, firstAtOrAfter(*w.Stop))
		}
		for b := firstAtOrAfter(w.Start); b < last; b++ {
			if pts[b].Waiting != nil {
				*pts[b].Waiting++
			}
		}
		if b := bucket(w.Start); b >= 0 {
			pts[b].Entered++
		}
		if w.Stop == nil || w.EndedBy == nil {
			continue
		}
		b := bucket(*w.Stop)
		if b < 0 {
			continue
		}
		switch *w.EndedBy {
		case FactAssigned:
			pts[b].Answered++
			if w.Stop.Sub(w.Start) <= time.Duration(w.ThresholdMS)*time.Millisecond {
				pts[b].AnsweredWithinThreshold++
			}
		case FactClosed:
			pts[b].Abandoned++
		}
	}
	for i := range out {
		for b := range out[i].Points {
			p := &out[i].Points[b]
			if d := p.Answered + p.Abandoned; d > 0 {
				sl := float64(p.AnsweredWithinThreshold) / float64(d)
				p.ServiceLevel = &sl
			}
		}
	}
	return out, nil
}
