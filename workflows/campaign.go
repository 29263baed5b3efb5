package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
)

// The campaign workflow: one per campaign, ID campaign:<id>. PostgreSQL
// holds every recipient's state and the campaign's status; the workflow
// only runs batches (activities.SendCampaignBatch) one after the other and
// sleeps when there is nothing to send, so its history stays small and a
// 100,000-recipient campaign continues as new every campaignBatchesPerRun
// batches.
const (
	CampaignWorkflowName = "Campaign"
	// SignalCampaignChanged wakes a campaign that waits (paused, scheduled,
	// quiet hours, slowed down) after its status changed.
	SignalCampaignChanged = "campaign-changed"
	campaignBatchSends    = 200
	campaignBatchDuration = time.Minute
	campaignBatchesPerRun = 100
)

// CampaignWorkflowID is the workflow ID of a campaign.
func CampaignWorkflowID(campaignID string) string { return "campaign:" + campaignID }

// CampaignInput starts (or continues) a campaign's workflow.
type CampaignInput struct {
	CampaignID string
}

// Campaign sends a campaign's batches until it is completed or cancelled.
func Campaign(ctx workflow.Context, in CampaignInput) error {
	var acts *activities.Campaigns
	changed := workflow.GetSignalChannel(ctx, SignalCampaignChanged)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: campaignBatchDuration + 2*time.Minute,
		// A dead worker's batch is retried (and its unfinished claim
		// resolved) within this.
		HeartbeatTimeout: 20 * time.Second,
		RetryPolicy:      &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	for range campaignBatchesPerRun {
		var out activities.CampaignBatchOutput
		err := workflow.ExecuteActivity(actx, acts.SendCampaignBatch, activities.CampaignBatchInput{
			CampaignID: in.CampaignID, MaxSends: campaignBatchSends, MaxDuration: campaignBatchDuration,
		}).Get(ctx, &out)
		if err != nil {
			return err
		}
		switch out.Next {
		case activities.CampaignDone:
			return nil
		case activities.CampaignPaused:
			changed.Receive(ctx, nil)
		case activities.CampaignWait:
			waitCampaign(ctx, changed, out.WaitUntil.Sub(workflow.Now(ctx)))
		}
		for changed.ReceiveAsync(nil) {
			// Drained: the next batch reads the status anyway.
		}
	}
	return workflow.NewContinueAsNewError(ctx, Campaign, in)
}

// waitCampaign sleeps d, or until the campaign's status changes.
func waitCampaign(ctx workflow.Context, changed workflow.ReceiveChannel, d time.Duration) {
	if d <= 0 {
		return
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(tctx, d), func(workflow.Future) {})
	sel.AddReceive(changed, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
}
