package workflows

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// The deadline refuses free-form sends by itself, before the window
// timer's task has turned the conversation template_only.
func TestSessionOpenUntilTheDeadlineEvenBeforeTheTimerRuns(t *testing.T) {
	deadline := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	c := &conversation{}
	c.st.Mode, c.st.WindowExpiresAt = domain.ModeSession, deadline
	for _, tc := range []struct {
		at   time.Time
		open bool
	}{
		{deadline.Add(-time.Millisecond), true},
		{deadline, false},
		{deadline.Add(300 * time.Millisecond), false},
	} {
		if got := c.sessionOpenAt(tc.at); got != tc.open {
			t.Errorf("session open at deadline%+v: %v, want %v", tc.at.Sub(deadline), got, tc.open)
		}
	}
	c.st.Mode = domain.ModeTemplateOnly
	if c.sessionOpenAt(deadline.Add(-time.Hour)) {
		t.Error("template_only accepts free-form messages")
	}
}
