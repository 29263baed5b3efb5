// Package worker runs the Temporal worker that executes conversation
// workflows and their activities.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/workflows"
	"github.com/switchboard/switchboard/workflows/retention"
)

// New returns a worker polling the conversation task queue (normally
// workflows.TaskQueue), with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts *activities.Activities, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, opts)
	Register(w, acts)
	return w
}

// Register registers the workflows and activities on any registry (a
// worker, or a test environment).
func Register(r interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
	RegisterActivity(a interface{})
}, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: workflows.ConversationWorkflowName})
	r.RegisterActivity(acts)
	// The retention purge (its daily Schedule is created by `migrate`),
	// when the store can purge (not the fakes of workflow tests).
	if st, ok := acts.Store.(retention.Store); ok {
		r.RegisterWorkflowWithOptions(retention.Purge, workflow.RegisterOptions{Name: retention.PurgeWorkflowName})
		r.RegisterActivity(&retention.Activities{Store: st})
	}
}
