package workflows

import (
	"encoding/json"

	"github.com/switchboard/switchboard/workflows/legacy"
)

// Patches are changes to the commands the conversation workflow issues.
// Each is a workflow.GetVersion change ID; the worker records each one at
// its newest version only once no older worker polls the task queue
// (worker/patches.go), so that an older worker never picks up a history it
// cannot replay. docs/deploys.md has the procedure.
const (
	// PatchLifecycle is the lifecycle rewrite: one main loop that changes
	// the state, an outbox sender, durable database calls, continue-as-new
	// that drops nothing. At workflow.DefaultVersion a run follows
	// workflows/legacy.
	PatchLifecycle = "lifecycle-2"
	// PatchServiceLevels keeps the conversation's service levels: a timer
	// for the nearest target, escalation steps, SbSlaDeadline (sla.go).
	PatchServiceLevels = "service-levels-1"
	// PatchNotes is the `note` update (agents' and supervisors' internal
	// notes): storing a note is a local activity older workers do not
	// issue. While it is dormant the update answers UNAVAILABLE.
	PatchNotes = "notes-1"
	// PatchFollowups is scheduled follow-ups: the `schedule` and
	// `cancel_scheduled` updates and their lazy timer (followups.go). While
	// it is dormant the updates answer UNAVAILABLE.
	PatchFollowups = "followups-1"
	// PatchSLASupervisors: an escalation's notify step also tells the
	// queue's supervisors (the save that records the step asks the store
	// for a supervisor event); older workers only told the agent.
	PatchSLASupervisors = "sla-supervisors-1"
	// PatchSurveyTemplate: a conversation that closes after its 24-hour
	// window did sends the survey as the workstream's approved template
	// (survey.template_id) and scores the answer (closing.go); older
	// workers skipped the survey then. Recorded only on that path.
	PatchSurveyTemplate = "survey-template-1"
	// PatchInteractive is interactive sends (SendRequest.Interactive):
	// the message row keeps what it offers and the send activity gets it
	// to create its Content SID. While it is dormant such a send answers
	// UNAVAILABLE; older workers would drop the field.
	PatchInteractive = "interactive-1"
	// PatchWindowNudge is the window nudge (nudge.go): a timer and an
	// automated message to a customer left unanswered before the window
	// closes. Asked only by conversations whose workstream has one.
	PatchWindowNudge = "window-nudge-1"
	// PatchFollowupsOutlive is follow-ups that outlive the close
	// (followup_outlive.go): at the close, a follow-up marked outlive_close
	// is stored and handed to a child Followup workflow. Asked by a
	// `schedule` update with outlive_close (dormant: UNAVAILABLE) and at the
	// close of a conversation that has one (dormant: cancelled as before).
	PatchFollowupsOutlive = "followups-outlive-1"
)

// lifecycleVersion is ConversationInput.Lifecycle for runs of this code.
const lifecycleVersion = 2

// Patches lists every patch in the order they were introduced; a build's
// patch level is how many of them it knows.
var Patches = []string{PatchLifecycle, PatchServiceLevels, PatchNotes, PatchFollowups, PatchSLASupervisors, PatchSurveyTemplate, PatchInteractive, PatchWindowNudge, PatchFollowupsOutlive}

// legacy converts the input for the frozen pre-lifecycle code: the same
// JSON (the types evolve by adding fields), so a history recorded with
// either reads the same.
func (in ConversationInput) legacy() legacy.ConversationInput {
	var out legacy.ConversationInput
	// encoding/json is deterministic here (struct fields in declaration
	// order, map keys sorted); workflowcheck only sees its reflection.
	b, err := json.Marshal(in) //workflowcheck:ignore
	if err == nil {
		err = json.Unmarshal(b, &out) //workflowcheck:ignore
	}
	if err != nil {
		panic("conversation input does not convert to the legacy shape: " + err.Error())
	}
	return out
}
