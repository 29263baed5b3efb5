package domain

import "time"

// Bounds of a workstream's supervision thresholds.
const (
	MinSupervisionThreshold = 10 * time.Second
	MaxSupervisionThreshold = 24 * time.Hour // the customer-service window is 24 hours
)

// Supervision holds a workstream's own at-risk thresholds for the
// supervisor's live view (docs/supervisor.md). A workstream without one
// uses the global defaults (SWITCHBOARD_SUPERVISOR_WAIT_THRESHOLD and
// SWITCHBOARD_SUPERVISOR_NO_REPLY_AFTER); the queue-activity report
// measures its service level against WaitThreshold.
type Supervision struct {
	// WaitThreshold: a conversation queued longer than this is at risk.
	WaitThreshold Duration `json:"wait_threshold"`
	// NoReplyAfter: an assigned conversation whose customer's last
	// message has had no answer for this long is at risk.
	NoReplyAfter Duration `json:"no_reply_after"`
}

// ValidateSupervision checks a workstream's thresholds (nil: the global
// defaults). Out-of-range values are CodeUnprocessable (422): they parse,
// but no supervisor could use them.
func ValidateSupervision(s *Supervision) error {
	if s == nil {
		return nil
	}
	for _, f := range []struct {
		name string
		d    Duration
	}{{"wait_threshold", s.WaitThreshold}, {"no_reply_after", s.NoReplyAfter}} {
		if f.d <= 0 {
			return Errorf(CodeUnprocessable, "supervision.%s is required and must be positive, a Go duration such as \"5m\" (leave supervision null to use the global defaults)", f.name)
		}
		if f.d.D() < MinSupervisionThreshold || f.d.D() > MaxSupervisionThreshold {
			return Errorf(CodeUnprocessable, "supervision.%s must be from %s to %s, got %s", f.name, MinSupervisionThreshold, MaxSupervisionThreshold, f.d.D())
		}
	}
	return nil
}
