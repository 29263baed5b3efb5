package erasure

import (
	"context"
	"errors"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// Store is what erasure needs from PostgreSQL.
type Store interface {
	ConversationWorkflowIDs(ctx context.Context, e164 string) ([]string, error)
	EraseCustomer(ctx context.Context, e164 string) ([]domain.TableRows, error)
}

// Activities reach PostgreSQL and Temporal for the erasure workflow.
type Activities struct {
	Store     Store
	Temporal  client.Client
	Namespace string
}

// Register adds the erasure workflow and its activities to a worker.
func Register(r interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
	RegisterActivity(a interface{})
}, acts *Activities) {
	r.RegisterWorkflowWithOptions(EraseCustomer, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivity(acts)
}

func checkNumber(e164 string) error {
	if !domain.ValidE164(e164) { // it goes into visibility queries below
		return fmt.Errorf("erasure: %q is not an E.164 number", domain.Mask(e164))
	}
	return nil
}

// conversationIDs lists the workflow ids of the customer's conversations:
// one per number, and whatever visibility lists under SbCustomer.
func (a *Activities) conversationIDs(ctx context.Context, e164 string, running bool) ([]string, error) {
	ids, err := a.Store.ConversationWorkflowIDs(ctx, e164)
	if err != nil {
		return nil, err
	}
	q := "SbCustomer = '" + e164 + "'"
	if running {
		q += " AND ExecutionStatus = 'Running'"
	}
	execs, err := a.list(ctx, q)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for _, e := range execs {
		if id := e.GetExecution().GetWorkflowId(); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// EraseCloseConversations asks every open conversation of the customer to
// close (signal close, reason customer_erased) and returns their ids.
func (a *Activities) EraseCloseConversations(ctx context.Context, e164 string) ([]string, error) {
	if err := checkNumber(e164); err != nil {
		return nil, err
	}
	ids, err := a.conversationIDs(ctx, e164, true)
	if err != nil {
		return nil, err
	}
	open, err := a.running(ctx, ids)
	if err != nil {
		return nil, err
	}
	req := workflows.CloseRequest{Reason: workflows.ReasonCustomerErased, By: "erasure"}
	for _, id := range open {
		err := a.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalClose, req)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
	}
	return open, nil
}

// EraseStillRunning returns the ids among ids whose latest run still runs.
func (a *Activities) EraseStillRunning(ctx context.Context, ids []string) ([]string, error) {
	return a.running(ctx, ids)
}

func (a *Activities) running(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		d, err := a.Temporal.DescribeWorkflow(ctx, id, "")
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if d.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			out = append(out, id)
		}
	}
	return out, nil
}

// EraseTerminate ends the conversations that did not close in time.
func (a *Activities) EraseTerminate(ctx context.Context, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		err := a.Temporal.TerminateWorkflow(ctx, id, "", "customer data erased")
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ErasePostgres deletes the customer's rows (the registry of customer
// data) and says how many per table, in the registry's order (a slice: the
// workflow never iterates a map).
func (a *Activities) ErasePostgres(ctx context.Context, e164 string) ([]domain.TableRows, error) {
	if err := checkNumber(e164); err != nil {
		return nil, err
	}
	return a.Store.EraseCustomer(ctx, e164)
}

// EraseHistories deletes every workflow execution of the customer from
// Temporal (a running one is terminated first by Temporal itself: a
// customer who wrote again during the erasure) and returns them as
// "<workflow id>/<run id>": Temporal deletes asynchronously, so the next
// call may meet some of them again.
func (a *Activities) EraseHistories(ctx context.Context, e164 string) ([]string, error) {
	execs, err := a.customerExecutions(ctx, e164)
	if err != nil {
		return nil, err
	}
	var n []string
	for _, e := range execs {
		_, err := a.Temporal.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace: a.Namespace, WorkflowExecution: e.GetExecution(),
		})
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return n, err
		}
		n = append(n, e.GetExecution().GetWorkflowId()+"/"+e.GetExecution().GetRunId())
	}
	return n, nil
}

// EraseRemaining counts the executions Temporal still lists for the customer.
func (a *Activities) EraseRemaining(ctx context.Context, e164 string) (int, error) {
	execs, err := a.customerExecutions(ctx, e164)
	return len(execs), err
}

func (a *Activities) customerExecutions(ctx context.Context, e164 string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	if err := checkNumber(e164); err != nil {
		return nil, err
	}
	ids, err := a.Store.ConversationWorkflowIDs(ctx, e164)
	if err != nil {
		return nil, err
	}
	return CustomerExecutions(ctx, a.Temporal, a.Namespace, e164, ids)
}

// CustomerExecutions lists every workflow execution Temporal holds for a
// customer: those whose SbCustomer is the number, and those of the given
// conversation workflow ids (every number's), closed ones included.
func CustomerExecutions(ctx context.Context, c client.Client, namespace, e164 string, ids []string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	if err := checkNumber(e164); err != nil {
		return nil, err
	}
	q := "SbCustomer = '" + e164 + "'"
	if len(ids) > 0 {
		q += " OR WorkflowId IN ('" + strings.Join(ids, "', '") + "')"
	}
	return listExecutions(ctx, c, namespace, q)
}

func (a *Activities) list(ctx context.Context, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	return listExecutions(ctx, a.Temporal, a.Namespace, query)
}

func listExecutions(ctx context.Context, c client.Client, namespace, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: query, PageSize: 1000, NextPageToken: token,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, resp.GetExecutions()...)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}
