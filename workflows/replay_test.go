package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/workflows"
)

// recordedPayloadKey encrypted conversation_history_rev1_encrypted.json,
// conversation_history_service_levels.json (TestRecordServiceLevelsHistory
// records with it), conversation_history_survey_template.json
// (TestRecordSurveyTemplateHistory), conversation_history_interactive.json
// conversation_history_campaign_reply.json and
// conversation_history_bot_buttons.json. A key for these recordings only: it protects nothing else.
const recordedPayloadKey = "XDjuSQStHOl0V/xoyHDJ2DaIYqKX9ksBFm1uCmsPWls="

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
//
// conversation_history_rev1_encrypted.json (recorded from `switchboard
// dev` with SWITCHBOARD_PAYLOAD_KEY=recordedPayloadKey): the same journey
// (bot twice, handoff, push assignment, two agent replies around the
// customer's answer, close by the agent, survey 5) with every payload
// encrypted by the codec. All of them replay through the codec, as workers
// run: it decrypts what it encrypted and reads the older clear payloads
// as they are.
//
// conversation_history_service_levels.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordServiceLevelsHistory
// ./integration/): markers lifecycle-2, service-levels-1 and notes-1; push
// assignment under a policy (first response 4s, warning at 50%, next
// response 10m), the SLA timer firing twice (warning: a raise_priority
// step that cannot apply to an assigned conversation; breach: a notify
// step), the agent's internal note (`note` update), the late reply, the
// customer's answer starting a next-response cycle (its timer started),
// the agent's reply meeting it (the timer cancelled), close with notes.
//
// conversation_history_survey_template.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordSurveyTemplateHistory
// ./integration/, a 3 s window): the customer's message, push assignment,
// the window closing (template_only), close by the agent, the
// survey-template-1 marker, LoadSurveyTemplate, the survey sent as the
// template, the customer's answer 5 reopening the window, the thanks in
// free text, closed.
//
// conversation_history_interactive.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordInteractiveHistory
// ./integration/, encrypted with recordedPayloadKey): markers lifecycle-2,
// service-levels-1 and interactive-1; push assignment, the agent's
// quick-reply buttons and list picker (`send` updates with interactive,
// sent with the Content SIDs the send activity created), the customer's
// tap on a button, the agent's text reply, close with notes.
//
// conversation_history_campaign_reply.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordCampaignReplyHistory
// ./integration/, encrypted with recordedPayloadKey): a campaign reply
// (65fb045): the first inbound signal carries the webhook's campaign link,
// the record activity copies the campaign's message to the top of the
// transcript and names the campaign, a campaign.id rule routes it, push
// assignment, the agent's reply, the customer's answer, close with notes.
// The link rides on the signal and the activity's input: no command or
// marker of its own.
//
// conversation_history_bot_buttons.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordBotButtonsHistory
// ./integration/, encrypted with recordedPayloadKey): the example bot's
// welcome with two buttons, sent as a list picker (marker interactive-1
// asked by the bot, SendMessage with the interactive), the customer's pick
// given to the bot as its payload, the bot's answer, the handoff keyword,
// routing and push assignment, the agent's reply, close with notes.
//
// conversation_history_followups.json (recorded by
// SWITCHBOARD_RECORD_HISTORY=… go test -run TestRecordOutlivedFollowupHistory
// ./integration/, encrypted with recordedPayloadKey): markers lifecycle-2,
// service-levels-1, followups-1 and followups-outlive-1; push assignment,
// two `schedule` updates with outlive_close (a template; a text with a
// fallback template) and their lazy timer, close by the agent: both stored
// (SaveOutlivedFollowup) and handed to their Followup child workflows
// (followup:<id>, ParentClosePolicy ABANDON), the timer cancelled, closed.
func TestReplayRecordedHistories(t *testing.T) {
	codec, err := payloadcodec.New(recordedPayloadKey)
	if err != nil {
		t.Fatal(err)
	}
	dc := payloadcodec.DataConverter(codec)
	for _, file := range []string{
		"testdata/conversation_history.json",
		"testdata/conversation_history_rev1.json",
		"testdata/conversation_history_lifecycle2.json",
		"testdata/conversation_history_rev1_encrypted.json",
		"testdata/conversation_history_service_levels.json",
		"testdata/conversation_history_survey_template.json",
		"testdata/conversation_history_interactive.json",
		"testdata/conversation_history_campaign_reply.json",
		"testdata/conversation_history_bot_buttons.json",
		"testdata/conversation_history_followups.json",
	} {
		t.Run(file, func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: dc, FailureConverter: payloadcodec.FailureConverter(dc),
			})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: workflows.ConversationWorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(newTestLogger(t), file); err != nil {
				t.Fatalf("replay %s: %v", file, err)
			}
		})
	}
}

// TestEncryptedHistoryNeedsItsKey: the encrypted recording does not replay
// without the codec (its payloads are ciphertext), so the replay above
// really decrypted it.
func TestEncryptedHistoryNeedsItsKey(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: workflows.ConversationWorkflowName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(newTestLogger(t), "testdata/conversation_history_rev1_encrypted.json"); err == nil {
		t.Fatal("the encrypted history replayed without the payload key")
	}
}
