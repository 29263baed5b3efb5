package workflows

import "testing"

// Every state the table names is reachable from a fresh conversation, the
// closing states only lead to closed, and closed is final.
func TestTransitionTable(t *testing.T) {
	reach := map[State]bool{StateNew: true}
	for changed := true; changed; {
		changed = false
		for from := range reach {
			for _, to := range transitions[from] {
				if !reach[to] {
					reach[to], changed = true, true
				}
			}
		}
	}
	for s := range transitions {
		if !reach[s] {
			t.Errorf("state %q cannot be reached", s)
		}
	}
	for _, tc := range []struct {
		from, to State
		ok       bool
	}{
		{StateNew, StateBot, true}, {StateNew, StateAssigned, false},
		{StateBot, StateQueued, true}, {StateQueued, StateAssigned, true},
		{StateAssigned, StateQueued, true}, {StateAssigned, StateWrapUp, true},
		{StateWrapUp, StateSurvey, true}, {StateSurvey, StateClosed, true},
		{StateWrapUp, StateAssigned, false}, {StateSurvey, StateQueued, false},
		{StateClosed, StateQueued, false}, {StateClosed, StateClosed, false},
	} {
		if got := CanMove(tc.from, tc.to); got != tc.ok {
			t.Errorf("%q → %q: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}
