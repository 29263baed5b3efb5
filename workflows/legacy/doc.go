// Package legacy is the conversation workflow exactly as it was before the
// lifecycle rewrite (commit b696d45: revisions 0 and 1, with the workflow's
// behaviour chosen by the Revision field its starter put in the input).
//
// It is frozen: it only replays, and keeps running, the conversations that
// started on it. workflows.Conversation records a version marker
// ("lifecycle-2") at the start of every new run; a history without that
// marker, or with it at workflow.DefaultVersion (the patch still dormant
// while old workers were polling), runs this code. Do not edit it: any change
// to the commands it issues breaks those histories (workflows/replay_test.go
// replays the two recorded before the rewrite).
//
// Delete it once no run of it can be open: a conversation's run ends within
// days of its last activity and every continue-as-new moves it onto the new
// code. This visibility query lists the runs still on it:
//
//	WorkflowType = 'Conversation' AND ExecutionStatus = 'Running' AND TemporalChangeVersion != 'lifecycle-2-1'
package legacy
