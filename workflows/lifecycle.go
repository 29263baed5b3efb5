package workflows

import (
	"slices"

	"github.com/switchboard/switchboard/internal/domain"
)

// State is where a conversation is in its life (docs in workflows/doc.go).
type State string

// The states, as stored, queried and shown in the Temporal UI (SbState).
const (
	StateNew      State = ""
	StateBot      State = domain.StateBot
	StateQueued   State = domain.StateQueued
	StateAssigned State = domain.StateAssigned
	StateWrapUp   State = domain.StateWrapUp
	StateSurvey   State = domain.StateSurvey
	StateClosed   State = domain.StateClosed
)

// transitions lists, for each state, the states it may move to. Queued and
// assigned move to themselves on a transfer (another queue, another agent);
// a transfer straight to an agent takes a conversation out of the bot.
// Closing goes through wrap_up (the agent's capacity held a while) and the
// survey when they apply, in that order.
var transitions = map[State][]State{
	StateNew:      {StateBot, StateQueued},
	StateBot:      {StateQueued, StateAssigned, StateWrapUp, StateSurvey, StateClosed},
	StateQueued:   {StateQueued, StateAssigned, StateWrapUp, StateSurvey, StateClosed},
	StateAssigned: {StateQueued, StateAssigned, StateWrapUp, StateSurvey, StateClosed},
	StateWrapUp:   {StateSurvey, StateClosed},
	StateSurvey:   {StateClosed},
	StateClosed:   {},
}

// CanMove reports whether a conversation in from may move to to.
func CanMove(from, to State) bool {
	return slices.Contains(transitions[from], to)
}

// setState is the one place the conversation's state changes. A move the
// table does not allow is a bug: it is refused and logged at error level
// (the workflow tests fail on that message), never applied half-way.
func (c *conversation) setState(to State) bool {
	from := c.st.State
	if !CanMove(from, to) {
		c.logger.Error(IllegalTransitionMessage, "from", string(from), "to", string(to))
		return false
	}
	c.st.State = to
	return true
}

// IllegalTransitionMessage is logged when code asks for a move the table
// forbids; tests watch for it.
const IllegalTransitionMessage = "illegal conversation state transition"

// takesWork reports whether the conversation takes new work: not closed and
// no close requested.
func (c *conversation) takesWork() bool {
	return c.closeReq == nil && c.st.State != StateClosed
}
