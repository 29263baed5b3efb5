package relay

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
)

// HandoffWorkersMin is the fewest SignalWithStart calls the handoffs keep
// in flight while Temporal is overloaded.
const HandoffWorkersMin = 4

// handoffLimit is how many handoff workers may call Temporal at once: it
// halves when a call times out or Temporal says it is overloaded, and
// grows by one after as many successes as it allows (additive increase,
// multiplicative decrease). A fixed 64 in flight timed out together once
// a server took 20 calls a second, and each timed-out call was thrown away
// half done and made again: the backlog after an outage never drained.
type handoffLimit struct {
	n, credit int
}

func (l *handoffLimit) allowed() int {
	if l.n == 0 {
		return HandoffWorkers
	}
	return l.n
}

// record adjusts the limit to one call's outcome.
func (l *handoffLimit) record(err error) {
	n := l.allowed()
	switch {
	case overloaded(err):
		l.n, l.credit = max(HandoffWorkersMin, n/2), 0
	case err == nil && n < HandoffWorkers:
		if l.credit++; l.credit >= n {
			l.n, l.credit = n+1, 0
		}
	}
}

// overloaded: the call ran out of time, or Temporal refused it for load.
// Other errors (Temporal down, a bad request) say nothing about how many
// calls it can take.
func overloaded(err error) bool {
	var deadline *serviceerror.DeadlineExceeded
	var exhausted *serviceerror.ResourceExhausted
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &deadline) || errors.As(err, &exhausted)
}
