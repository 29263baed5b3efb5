package bench

import (
	"context"
	"time"
)

// settle waits until the Temporal server is nearly idle (under 10 % of a
// CPU over half a second), at most max. A side's "processed" ends when its
// last workflow did its part, but the server goes on with the tasks those
// workflows left behind (a finished workflow's close, visibility writes):
// without this pause they run during the next side and count against it.
// It returns how long it waited.
func (e *env) settle(ctx context.Context, max time.Duration) time.Duration {
	pid := e.temporalPID()
	start := time.Now()
	if pid == 0 {
		return 0
	}
	const step = 500 * time.Millisecond
	for time.Since(start) < max {
		before := cpuSeconds(pid)
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(step):
		}
		if cpuSeconds(pid)-before < 0.1*step.Seconds() {
			break
		}
	}
	return time.Since(start)
}
