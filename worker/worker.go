// Package worker runs the Temporal worker that executes conversation
// workflows and their activities.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/workflows"
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
}
