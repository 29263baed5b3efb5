package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// Bounds of the queue-activity report's step.
const (
	defaultQueueActivityStep = time.Hour
	minQueueActivityStep     = time.Minute
	maxQueueActivityStep     = 24 * time.Hour
	// maxQueueActivityBuckets: a week in 15-minute steps fits; one plot
	// never needs more points.
	maxQueueActivityBuckets = 1000
)

var queueActivityColumns = []string{"queue_id", "queue_name", "at", "waiting", "entered", "answered",
	"answered_within_threshold", "abandoned", "service_level"}

// queueActivityReport answers GET /api/v1/reports/queue-activity: per
// queue and per step of [from, to), the waiting count at the step's start
// and the service level of the waits that ended in it (docs/supervisor.md).
func (s *Server) queueActivityReport(c *fiber.Ctx) error {
	from, to, err := reportInterval(c)
	if err != nil {
		return err
	}
	step := defaultQueueActivityStep
	if v := c.Query("step"); v != "" {
		if step, err = time.ParseDuration(v); err != nil {
			return domain.Errorf(domain.CodeUnprocessable, "step must be a Go duration such as \"15m\" or \"1h\", got %q", v)
		}
	}
	if step < minQueueActivityStep || step > maxQueueActivityStep || step%time.Second != 0 {
		return domain.Errorf(domain.CodeUnprocessable, "step must be a whole number of seconds from %s to %s, got %s", minQueueActivityStep, maxQueueActivityStep, step)
	}
	if n := store.QueueActivityBuckets(from, to, step); n > maxQueueActivityBuckets {
		return domain.Errorf(domain.CodeUnprocessable, "from %s to %s in steps of %s is %d steps, more than %d: take a longer step or a shorter interval",
			from.Format(time.RFC3339), to.Format(time.RFC3339), step, n, maxQueueActivityBuckets)
	}
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	rows, err := s.reports.QueueActivity(c.UserContext(), store.QueueActivityQuery{
		From: from, To: to, Step: step, QueueIDs: sc.StoreQueues(), DefaultWait: s.cfg.SupervisorWaitThreshold,
	})
	if err != nil {
		return err
	}
	if !wantsCSV(c) {
		return c.JSON(fiber.Map{"from": from, "to": to, "step": step.String(), "data": rows})
	}
	type line struct {
		q *store.QueueActivity
		p store.QueueActivityPoint
	}
	var lines []line
	for i := range rows {
		for _, p := range rows[i].Points {
			lines = append(lines, line{&rows[i], p})
		}
	}
	return sendCSV(c, "queue-activity.csv", queueActivityColumns, len(lines), func(i int) []string {
		l := lines[i]
		waiting := ""
		if l.p.Waiting != nil {
			waiting = itoa(*l.p.Waiting)
		}
		return []string{l.q.QueueID, l.q.QueueName, l.p.At.UTC().Format(time.RFC3339), waiting, itoa(l.p.Entered), itoa(l.p.Answered),
			itoa(l.p.AnsweredWithinThreshold), itoa(l.p.Abandoned), num(l.p.ServiceLevel)}
	})
}
