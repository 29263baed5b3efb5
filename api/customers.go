package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows/erasure"
)

// CustomerStore is what erasure and export need of the store.
type CustomerStore interface {
	ExportCustomer(ctx context.Context, e164 string) (store.CustomerExport, error)
	ConversationWorkflowIDs(ctx context.Context, e164 string) ([]string, error)
	RecordAudit(ctx context.Context, a store.Audit, action, resourceType, resourceID string) error
}

// Audit names of the customer routes. The resource id is a fingerprint of
// the number (secret.Box.Fingerprint), never the number.
const (
	resourceCustomer = "customer"
	actionErase      = "erase"
	actionExport     = "export"
)

// customerParam reads {e164}: the number with its plus percent-encoded
// (%2B33612345678) or literal; nothing else is normalized.
func customerParam(c *fiber.Ctx) (string, error) {
	raw := c.Params("e164")
	v, err := url.PathUnescape(raw)
	if err != nil || !domain.ValidE164(v) {
		return "", invalid("{e164} must be an E.164 number with its plus percent-encoded (%%2B33612345678) or literal")
	}
	return v, nil
}

// erasureStarted answers an erasure that Temporal is still running.
type erasureStarted struct {
	Status    string `json:"status"` // "in_progress"
	ErasureID string `json:"erasure_id"`
	Customer  string `json:"customer"` // the number's fingerprint
}

// erasureDone answers a finished erasure.
type erasureDone struct {
	Status    string `json:"status"` // "erased"
	ErasureID string `json:"erasure_id"`
	Customer  string `json:"customer"`
	erasure.Result
}

// eraseCustomer is DELETE /api/v1/customers/{e164}: it records the request
// in the audit log (by fingerprint), then starts, or joins, the customer's
// erasure workflow and waits for it up to ErasureWait: 200 with what was
// erased, else 202 (it goes on; asking again joins it, or, once done,
// finds nothing left).
func (s *Server) eraseCustomer(c *fiber.Ctx) error {
	e164, err := customerParam(c)
	if err != nil {
		return err
	}
	label, err := authenticatedAdmin(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	fp := s.box.Fingerprint(e164)
	id := "erasure:" + fp
	changes, _ := json.Marshal(map[string]string{"erasure_id": id})
	if err := s.customers.RecordAudit(ctx, store.Audit{Actor: label, Changes: changes}, actionErase, resourceCustomer, fp); err != nil {
		return err
	}
	run, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, erasure.WorkflowName, erasure.Input{CustomerE164: e164})
	if err != nil {
		s.logger.Warn("starting an erasure failed", "customer", fp, "err", err)
		return domain.Errorf(domain.CodeUnavailable, "the erasure could not be started (Temporal); retry")
	}
	s.logger.Info("customer erasure requested", "customer", fp, "by", label)
	wctx, cancel := context.WithTimeout(ctx, s.erasureWait())
	defer cancel()
	var res erasure.Result
	if err := run.Get(wctx, &res); err != nil {
		if waitedOut(err, wctx) && ctx.Err() == nil {
			return c.Status(fiber.StatusAccepted).JSON(erasureStarted{Status: "in_progress", ErasureID: id, Customer: fp})
		}
		return workflowError(err)
	}
	return c.JSON(erasureDone{Status: "erased", ErasureID: id, Customer: fp, Result: res})
}

// waitedOut tells a wait that ran out of time from a failure: the
// deadline may be noticed by the client (wctx is done) or, a moment
// before, by the server ending the long poll with DeadlineExceeded while
// wctx still runs. Either way the workflow goes on.
func waitedOut(err error, wctx context.Context) bool {
	var deadline *serviceerror.DeadlineExceeded
	return wctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &deadline)
}

func (s *Server) erasureWait() time.Duration {
	if s.ErasureWait > 0 {
		return s.ErasureWait
	}
	return 20 * time.Second
}

// customerExport is everything Switchboard holds about one customer.
type customerExport struct {
	CustomerE164 string               `json:"customer_e164"`
	ExportedAt   time.Time            `json:"exported_at"`
	Postgres     store.CustomerExport `json:"postgres"`
	Temporal     temporalExport       `json:"temporal"`
}

type temporalExport struct {
	// Executions are the conversation workflows Temporal keeps (their
	// inputs and signals repeat what postgres holds; read them with
	// `temporal workflow show` and the codec endpoint).
	Executions []exportedExecution `json:"workflow_executions"`
}

type exportedExecution struct {
	WorkflowID string     `json:"workflow_id"`
	RunID      string     `json:"run_id"`
	Type       string     `json:"type"`
	Status     string     `json:"status"`
	StartTime  time.Time  `json:"start_time"`
	CloseTime  *time.Time `json:"close_time"`
}

// exportCustomer is GET /api/v1/customers/{e164}/export: every row of the
// registry of customer data, and the customer's workflow executions.
func (s *Server) exportCustomer(c *fiber.Ctx) error {
	e164, err := customerParam(c)
	if err != nil {
		return err
	}
	label, err := authenticatedAdmin(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	data, err := s.customers.ExportCustomer(ctx, e164)
	if err != nil {
		return err
	}
	ids, err := s.customers.ConversationWorkflowIDs(ctx, e164)
	if err != nil {
		return err
	}
	execs, err := erasure.CustomerExecutions(ctx, s.temporal, s.cfg.TemporalNamespace, e164, ids)
	if err != nil {
		s.logger.Warn("listing a customer's workflows for an export failed", "err", err)
		return domain.Errorf(domain.CodeUnavailable, "Temporal did not answer: the export would be incomplete; retry")
	}
	out := customerExport{CustomerE164: e164, ExportedAt: time.Now().UTC(), Postgres: data,
		Temporal: temporalExport{Executions: []exportedExecution{}}}
	for _, e := range execs {
		x := exportedExecution{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(),
			Type: e.GetType().GetName(), Status: e.GetStatus().String(), StartTime: e.GetStartTime().AsTime()}
		if e.GetCloseTime() != nil {
			t := e.GetCloseTime().AsTime()
			x.CloseTime = &t
		}
		out.Temporal.Executions = append(out.Temporal.Executions, x)
	}
	fp := s.box.Fingerprint(e164)
	rows := 0
	for _, r := range data {
		rows += len(r)
	}
	changes, _ := json.Marshal(map[string]int{"rows": rows, "workflow_executions": len(execs)})
	if err := s.customers.RecordAudit(ctx, store.Audit{Actor: label, Changes: changes}, actionExport, resourceCustomer, fp); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
