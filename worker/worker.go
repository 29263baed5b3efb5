// Package worker runs the Temporal worker that executes conversation
// workflows and their activities, the retention purge and customer
// erasure.
package worker

import (
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/workflows"
	"github.com/switchboard/switchboard/workflows/erasure"
	"github.com/switchboard/switchboard/workflows/retention"
)

// Activities are those of every workflow the worker runs.
type Activities struct {
	Conversation *activities.Activities
	// Retention purges old transcripts (its daily Schedule is created by
	// `migrate` and by dev).
	Retention *retention.Activities
	// Erasure erases a customer (GDPR article 17), started by the API.
	Erasure *erasure.Activities
	// Campaigns send campaigns (workflows/campaign.go); nil: not run here.
	Campaigns *activities.Campaigns
}

// Registry is what workflows and activities are registered on: a worker,
// or a test environment.
type Registry interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
	RegisterActivity(a interface{})
}

// New returns a worker polling the conversation task queue (normally
// workflows.TaskQueue), with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts Activities, opts sdkworker.Options) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, opts)
	Register(w, acts.Conversation)
	retention.Register(w, acts.Retention)
	erasure.Register(w, acts.Erasure)
	if acts.Campaigns != nil {
		RegisterCampaigns(w, acts.Campaigns)
	}
	return w
}

// Register registers the conversation workflow, the Followup workflow
// of the follow-ups that outlive its close, and their activities.
func Register(r Registry, acts *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: workflows.ConversationWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.Followup, workflow.RegisterOptions{Name: workflows.FollowupWorkflowName})
	r.RegisterActivity(acts)
}

// RegisterCampaigns registers the campaign workflow and its activities.
func RegisterCampaigns(r Registry, acts *activities.Campaigns) {
	r.RegisterWorkflowWithOptions(workflows.Campaign, workflow.RegisterOptions{Name: workflows.CampaignWorkflowName})
	r.RegisterActivity(acts)
}
