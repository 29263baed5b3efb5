package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/switchboard/switchboard/internal/domain"
)

// TaskQueue is where conversation workflows and their activities run.
const TaskQueue = "switchboard-conversations"

// Workflow, signal, query and update names, as operators type them in the UI.
const (
	ConversationWorkflowName = "Conversation"
	SignalInbound            = "inbound"
	SignalDelivery           = "delivery"
	SignalClose              = "close"
	SignalTransfer           = "transfer"
	SignalAssigned           = "assigned"
	QueryState               = "state"
	UpdateSend               = "send"
	UpdateAccept             = "accept"
	UpdateTransfer           = "transfer"
	UpdateClose              = "close"
	UpdateNote               = "note"
	UpdateSchedule           = "schedule"         // a follow-up (followups.go)
	UpdateCancelScheduled    = "cancel_scheduled" // cancels one
)

// CurrentRevision is what starters put in ConversationInput.Revision: the
// behaviour the frozen pre-lifecycle code (workflows/legacy) follows when a
// run goes to it (see patches.go). The current code does not read it.
const CurrentRevision = 1

// ConversationID returns the workflow ID of a (number, customer) pair.
func ConversationID(numberID, customerE164 string) string {
	return domain.ConversationWorkflowID(numberID, customerE164)
}

// Search attributes operators filter on in the Temporal UI.
var (
	SAAccount         = temporal.NewSearchAttributeKeyKeyword("SbAccount")
	SANumber          = temporal.NewSearchAttributeKeyKeyword("SbNumber")
	SACustomer        = temporal.NewSearchAttributeKeyKeyword("SbCustomer")
	SAQueue           = temporal.NewSearchAttributeKeyKeyword("SbQueue")
	SAAgent           = temporal.NewSearchAttributeKeyKeyword("SbAgent")
	SAState           = temporal.NewSearchAttributeKeyKeyword("SbState")
	SAMode            = temporal.NewSearchAttributeKeyKeyword("SbMode")
	SAWindowExpiresAt = temporal.NewSearchAttributeKeyTime("SbWindowExpiresAt")
	// SASlaDeadline is the nearest service-level deadline still to meet
	// (unset when none runs).
	SASlaDeadline = temporal.NewSearchAttributeKeyTime("SbSlaDeadline")
)

// StartSearchAttributes are set when a conversation starts, so that it is
// findable before its first workflow task runs.
func StartSearchAttributes(in ConversationInput) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		SAAccount.ValueSet(in.AccountID),
		SANumber.ValueSet(in.NumberID),
		SACustomer.ValueSet(in.CustomerE164),
		SAState.ValueSet(domain.StateQueued),
		SAMode.ValueSet(domain.ModeTemplateOnly),
	)
}

// CustomerStartSearchAttributes are StartSearchAttributes for a conversation
// that a customer's message, received at receivedAt, opens: with the mode and
// window that message gives it, so that its first workflow task has nothing
// to upsert.
func CustomerStartSearchAttributes(in ConversationInput, receivedAt time.Time) temporal.SearchAttributes {
	window := in.SessionWindow
	if window <= 0 {
		window = domain.DefaultSessionWindow
	}
	return temporal.NewSearchAttributes(
		SAAccount.ValueSet(in.AccountID),
		SANumber.ValueSet(in.NumberID),
		SACustomer.ValueSet(in.CustomerE164),
		SAState.ValueSet(domain.StateQueued),
		SAMode.ValueSet(domain.ModeSession),
		SAWindowExpiresAt.ValueSet(windowSearchValue(receivedAt.Add(window), window)),
	)
}
