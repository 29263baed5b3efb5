package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
)

// TestCampaignWaitsPausesAndContinuesAsNew: a wait sleeps until its time
// (or a status change), a pause waits for a signal, and after
// campaignBatchesPerRun batches the run continues as new.
func TestCampaignWaitsPausesAndContinuesAsNew(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded machine (-race, parallel packages) must not pass for a deadlock.
	env.SetWorkerOptions(sdkworker.Options{DeadlockDetectionTimeout: 10 * time.Second})
	var acts *activities.Campaigns
	env.RegisterActivity(acts)
	calls := 0
	var times []time.Time
	env.OnActivity(acts.SendCampaignBatch, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.CampaignBatchInput) (activities.CampaignBatchOutput, error) {
			calls++
			times = append(times, env.Now())
			switch calls {
			case 1:
				return activities.CampaignBatchOutput{Next: activities.CampaignWait, WaitUntil: env.Now().Add(time.Hour)}, nil
			case 2:
				return activities.CampaignBatchOutput{Next: activities.CampaignPaused}, nil
			}
			return activities.CampaignBatchOutput{Next: activities.CampaignNext, Sent: 200}, nil
		})
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignChanged, "running") }, 3*time.Hour)
	env.ExecuteWorkflow(Campaign, CampaignInput{CampaignID: "c"})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	if calls != campaignBatchesPerRun {
		t.Fatalf("%d batches in one run, want %d", calls, campaignBatchesPerRun)
	}
	if d := times[1].Sub(times[0]); d < time.Hour {
		t.Fatalf("the second batch ran %v after a wait of an hour", d)
	}
	if d := times[2].Sub(times[0]); d < 3*time.Hour {
		t.Fatalf("the paused campaign went on after %v, before its resume", d)
	}
}

// TestCampaignEndsWhenDone: a done batch ends the workflow.
func TestCampaignEndsWhenDone(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	// A loaded machine (-race, parallel packages) must not pass for a deadlock.
	env.SetWorkerOptions(sdkworker.Options{DeadlockDetectionTimeout: 10 * time.Second})
	var acts *activities.Campaigns
	env.RegisterActivity(acts)
	env.OnActivity(acts.SendCampaignBatch, mock.Anything, mock.Anything).Return(activities.CampaignBatchOutput{Next: activities.CampaignDone}, nil).Once()
	env.ExecuteWorkflow(Campaign, CampaignInput{CampaignID: "c"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
}
