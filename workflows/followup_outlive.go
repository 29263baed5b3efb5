package workflows

import (
	"errors"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/activities"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows/retry"
)

// Follow-ups that outlive the close (outlive_close, issue 18 item 4): when
// the conversation closes, each follow-up still waiting that is marked
// outlive_close is written to PostgreSQL (scheduled_followups) and handed
// to a Followup workflow of its own, a child started with
// ParentClosePolicy ABANDON so that it outlives the conversation's run.
// It sleeps until send_at (a durable timer), asks CheckFollowup (cancelled
// by an agent? the customer wrote since the close?), sends the template
// and records the outcome. A customer erasure ends it (signal close, then
// its execution is deleted with the customer's others: it carries
// SbCustomer).

// FollowupWorkflowName is the registered name of Followup.
const FollowupWorkflowName = "Followup"

// FollowupOutlived is the status, in the conversation's state, of a
// follow-up handed to its Followup workflow at the close; its outcome is
// in PostgreSQL from then on (the API shows that one).
const FollowupOutlived = "outlived"

// FollowupWorkflowID is the workflow id of an outlived follow-up.
func FollowupWorkflowID(scheduleID string) string { return "followup:" + scheduleID }

// FollowupInput is everything an outlived follow-up needs to be sent
// without its conversation.
type FollowupInput struct {
	ScheduleID            string              `json:"schedule_id"`
	ConversationID        string              `json:"conversation_id"`
	AccountID             string              `json:"account_id"`
	NumberID              string              `json:"number_id"`
	NumberE164            string              `json:"number_e164"`
	CustomerE164          string              `json:"customer_e164"`
	Author                string              `json:"author"`
	SendAt                time.Time           `json:"send_at"`
	Template              *domain.TemplateUse `json:"template"` // the template, or a text follow-up's fallback
	TemplateBody          string              `json:"template_body"`
	CancelOnCustomerReply bool                `json:"cancel_on_customer_reply,omitempty"`
	ClosedAt              time.Time           `json:"closed_at"`
}

// FollowupResult is how an outlived follow-up ended.
type FollowupResult struct {
	Status    string `json:"status"`
	MessageID string `json:"message_id,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Followup waits until send_at, then sends the follow-up's template unless
// it was cancelled meanwhile. After the close the 24-hour window is
// usually closed, so it always sends a template: a text follow-up goes
// out as its fallback template (one with outlive_close must have one).
// The signal close (customer erasure) ends it unsent.
func Followup(ctx workflow.Context, in FollowupInput) (FollowupResult, error) {
	logger := workflow.GetLogger(ctx)
	closed := workflow.GetSignalChannel(ctx, SignalClose)
	if d := in.SendAt.Sub(workflow.Now(ctx)); d > 0 {
		tctx, cancel := workflow.WithCancel(ctx)
		erased := false
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(workflow.NewTimer(tctx, d), func(workflow.Future) {})
		sel.AddReceive(closed, func(c workflow.ReceiveChannel, _ bool) {
			c.Receive(ctx, nil)
			erased = true
		})
		sel.Select(ctx)
		cancel()
		if erased {
			logger.Info("outlived follow-up ended by a close request", "schedule_id", in.ScheduleID)
			return FollowupResult{Status: FollowupCancelled, Note: "ended by a close request (customer erasure)"}, nil
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: patientBudget,
		RetryPolicy:            retry.Patient(),
	})
	var check activities.CheckFollowupOutput
	err := workflow.ExecuteActivity(actx, a.CheckFollowup, activities.CheckFollowupInput{
		ScheduleID: in.ScheduleID, NumberID: in.NumberID, CustomerE164: in.CustomerE164,
		ClosedAt: in.ClosedAt, CancelOnCustomerReply: in.CancelOnCustomerReply,
	}).Get(ctx, &check)
	if err != nil {
		return FollowupResult{}, err
	}
	if !check.Send {
		return FollowupResult{Status: check.Status, Note: check.Note}, nil
	}
	res := FollowupResult{Status: FollowupSent}
	if in.Template == nil {
		res = FollowupResult{Status: FollowupSkippedWindowClosed, Note: "no template to send after the close"}
	} else if id, note := sendOutlived(ctx, actx, in); note != "" {
		res = FollowupResult{Status: domain.FollowupFailed, MessageID: id, Note: note}
	} else {
		res.MessageID = id
	}
	err = workflow.ExecuteActivity(actx, a.FinishFollowup, activities.FinishFollowupInput{
		ScheduleID: in.ScheduleID, Status: res.Status, MessageID: res.MessageID, Note: res.Note,
	}).Get(ctx, nil)
	logger.Info("outlived follow-up done", "schedule_id", in.ScheduleID, "status", res.Status)
	return res, err
}

// sendOutlived stores the template message in the closed conversation's
// transcript and hands it to Twilio; a note says why it failed.
func sendOutlived(ctx, actx workflow.Context, in FollowupInput) (string, string) {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(FollowupWorkflowID(in.ScheduleID))).String()
	msg := domain.Message{
		ID: id, ConversationID: in.ConversationID, Direction: domain.Outbound, Author: in.Author,
		Body: in.TemplateBody, Template: in.Template, Status: domain.StatusQueued,
	}
	var stored domain.Message
	if err := workflow.ExecuteActivity(actx, a.CreateOutbound, msg).Get(ctx, &stored); err != nil {
		return "", "not stored: " + err.Error()
	}
	send := activities.SendInput{MessageID: id, AccountID: in.AccountID, From: in.NumberE164, To: in.CustomerE164}
	withTemplate(&send, in.Template, in.TemplateBody)
	var out activities.SendOutput
	if err := workflow.ExecuteActivity(sendOptions(ctx), a.SendMessage, send).Get(ctx, &out); err != nil {
		return id, "not sent: " + err.Error()
	}
	if out.Message.Status.IsFailure() || out.ErrorCode != 0 {
		return id, "refused by Twilio"
	}
	return id, ""
}

// outliveFollowups hands the follow-ups marked outlive_close to Followup
// workflows as the conversation closes (not when the customer's data is
// being erased), behind PatchFollowupsOutlive; it reports whether it did.
// Asked only by a conversation that has one, so other histories replay
// unchanged.
func (c *conversation) outliveFollowups(ctx workflow.Context, reason string) bool {
	if reason == ReasonCustomerErased || !c.hasOutliving() ||
		workflow.GetVersion(ctx, PatchFollowupsOutlive, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return false
	}
	closedAt := workflow.Now(ctx)
	for i := range c.st.Scheduled {
		f := &c.st.Scheduled[i]
		if f.Status != FollowupScheduled || !f.OutliveClose {
			continue
		}
		in := FollowupInput{
			ScheduleID: f.ScheduleID, ConversationID: c.st.ConversationID, AccountID: c.st.AccountID,
			NumberID: c.st.NumberID, NumberE164: c.numberE164(), CustomerE164: c.st.CustomerE164,
			Author: f.Author, SendAt: f.SendAt, Template: f.Template, TemplateBody: f.TemplateBody,
			CancelOnCustomerReply: f.CancelOnCustomerReply, ClosedAt: closedAt,
		}
		if in.Template == nil {
			in.Template, in.TemplateBody = f.Fallback, f.FallbackBody
		}
		row := domain.OutlivedFollowup{
			ID: f.ScheduleID, ConversationID: in.ConversationID, AccountID: in.AccountID, NumberID: in.NumberID,
			CustomerE164: in.CustomerE164, WorkflowID: FollowupWorkflowID(f.ScheduleID), Author: f.Author,
			SendAt: f.SendAt, Text: f.Text, Template: f.Template, TemplateBody: f.TemplateBody,
			Fallback: f.Fallback, FallbackBody: f.FallbackBody, CancelOnCustomerReply: f.CancelOnCustomerReply,
			ClosedAt: closedAt,
		}
		if err := durably(ctx, a.SaveOutlivedFollowup, row, nil); err != nil {
			c.logger.Error("an outlived follow-up was not stored: cancelled", "schedule_id", f.ScheduleID, "error", err)
			c.finishFollowup(ctx, f, FollowupCancelled, "the conversation closed (not stored: "+err.Error()+")")
			continue
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            row.WorkflowID,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				SAAccount.ValueSet(in.AccountID), SANumber.ValueSet(in.NumberID), SACustomer.ValueSet(in.CustomerE164),
			),
		})
		child := workflow.ExecuteChildWorkflow(cctx, FollowupWorkflowName, in)
		err := child.GetChildWorkflowExecution().Get(ctx, nil)
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		if err != nil && !errors.As(err, &started) {
			c.logger.Error("an outlived follow-up's workflow did not start: cancelled", "schedule_id", f.ScheduleID, "error", err)
			c.finishFollowup(ctx, f, FollowupCancelled, "the conversation closed (its timer did not start: "+err.Error()+")")
			continue
		}
		c.finishFollowup(ctx, f, FollowupOutlived, "handed to "+row.WorkflowID)
		f.DoneAt = nil
	}
	return true
}

// hasOutliving reports a follow-up still waiting with outlive_close.
func (c *conversation) hasOutliving() bool {
	for _, f := range c.st.Scheduled {
		if f.Status == FollowupScheduled && f.OutliveClose {
			return true
		}
	}
	return false
}
