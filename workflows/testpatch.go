package workflows

import "go.temporal.io/sdk/workflow"

// testPatch, when set (only in a build with the switchboard_testpatch tag,
// see testpatch_on.go), changes the commands the workflow issues for every
// burst of customer messages, behind a patch of its own: the rolling-deploy
// test runs such a build beside a normal one to prove that old and new
// workers share a task queue safely.
var testPatch func(ctx workflow.Context)
