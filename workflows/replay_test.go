package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/workflows"
)

// TestReplayRecordedHistories replays histories recorded from real runs
// (`temporal workflow show --output json`): a change that breaks
// determinism for running conversations fails here.
//
// conversation_history.json (recorded from `make dev`): greeting, the
// example bot answering twice, handoff on the keyword, routing to the
// default queue and assignment, an admin reply, a reply Twilio failed with
// 63016 (template_only), a refused free-form send, the customer's answer
// (session again), close by an admin, survey answered 5. It predates
// revisions and replays as revision 0.
//
// conversation_history_rev1.json (recorded from `switchboard dev`, started
// with Revision 1 from the customer's first message: mode and window search
// attributes at start, no upsert in the first task): greeting, the example
// bot answering twice (welcome, an order status), handoff on the keyword,
// routing to the default queue and push assignment to the demo agent, an
// agent reply, the customer's answer, a second agent reply, close by the
// agent with notes, capacity released, survey answered 5.
//
// Both replay through workflows/legacy: they have no lifecycle-2 marker.
//
// conversation_history_lifecycle2.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordConversationHistory
// ./integration/): the lifecycle-2 code (marker at version 1): greeting,
// the example bot twice, handoff on the keyword, routing and push
// assignment, an agent reply, the customer's answer, a transfer to the
// other agent, its reply, close with notes, wrap-up, survey answered 5.
func TestReplayRecordedHistories(t *testing.T) {
	for _, file := range []string{
		"testdata/conversation_history.json",
		"testdata/conversation_history_rev1.json",
		"testdata/conversation_history_lifecycle2.json",
	} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: workflows.ConversationWorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(newTestLogger(t), file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}
