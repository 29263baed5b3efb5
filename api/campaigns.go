package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/workflows"
)

// CampaignStore keeps campaigns, their recipients and the opt-out list.
type CampaignStore interface {
	CreateCampaign(ctx context.Context, nc store.NewCampaign, rs []domain.CampaignRecipient, a store.Audit) (domain.Campaign, bool, error)
	GetCampaign(ctx context.Context, id string) (domain.Campaign, error)
	ListCampaigns(ctx context.Context, limit int) ([]domain.Campaign, error)
	SetCampaignStatus(ctx context.Context, id string, from []string, to string, a store.Audit) (domain.Campaign, error)
	LinkCampaignSID(ctx context.Context, accountID, campaignID, seq, sid string) (bool, error)
	ApplyCampaignStatus(ctx context.Context, accountID, sid string, status domain.MessageStatus, code int) (store.CampaignStatusUpdate, error)
	GetNumber(ctx context.Context, id string) (domain.Number, error)
	GetTemplate(ctx context.Context, id string) (domain.Template, error)
	AddOptOut(ctx context.Context, o store.OptOut, a store.Audit) (store.OptOut, bool, error)
	RemoveOptOut(ctx context.Context, accountID, e164 string, a store.Audit) (bool, error)
	ListOptOuts(ctx context.Context, accountID string, limit int) ([]store.OptOut, error)
	IsOptedOut(ctx context.Context, accountID, e164 string) (bool, error)
	SetOptKeywords(ctx context.Context, workstreamID string, ks []store.OptKeyword, a store.Audit) error
	OptKeywords(ctx context.Context, workstreamID string) ([]store.OptKeyword, error)
	MatchOptKeyword(ctx context.Context, numberID, body string) (store.OptKeyword, bool, error)
	RecordCampaignReply(ctx context.Context, numberID, customer string) (id, name string, err error)
	CampaignReplyLink(ctx context.Context, numberID, customer string) (*domain.CampaignLink, error)
}

// campaignInput is the JSON body of POST /api/v1/campaigns; a CSV upload
// gives the same fields as query parameters (or multipart form fields)
// and the recipients as the file.
type campaignInput struct {
	Name          string                     `json:"name"`
	NumberID      string                     `json:"number_id"`
	TemplateID    string                     `json:"template_id"`
	Language      string                     `json:"language"`
	RatePerSecond float64                    `json:"rate_per_second"`
	StartAt       *time.Time                 `json:"start_at"`
	QuietHours    *domain.QuietHours         `json:"quiet_hours"`
	Recipients    []domain.CampaignRecipient `json:"recipients"`
}

// createCampaign is POST /api/v1/campaigns: every recipient is checked
// first, and any bad row answers 422 with a row-by-row report; nothing is
// created then. The campaign's workflow starts at once (it waits for
// start_at itself).
func (s *Server) createCampaign(c *fiber.Ctx) error {
	in, err := s.campaignBody(c)
	if err != nil {
		return err
	}
	nc, err := s.checkCampaign(c.UserContext(), &in)
	if err != nil {
		return err
	}
	if rows := domain.ValidateRecipients(in.Recipients, nc.Body); len(rows) > 0 {
		return &detailedError{
			err:     domain.Errorf(domain.CodeRecipientsInvalid, "%d problem(s) in the recipients; nothing was created", len(rows)),
			details: map[string]any{"rows": rows},
		}
	}
	// A retried request with the same Idempotency-Key finds the campaign
	// its first attempt stored and (re)starts its workflow.
	nc.ID = uuid.NewString()
	if id := requestUUID(c); id != "" {
		nc.ID = id
	}
	audit := s.auditWith(c, map[string]any{"name": nc.Name, "number_id": nc.NumberID, "template_id": nc.TemplateID,
		"rate_per_second": nc.RatePerSecond, "recipients": len(in.Recipients)})
	camp, _, err := s.campaigns.CreateCampaign(c.UserContext(), nc, in.Recipients, audit)
	if err != nil {
		return err
	}
	if err := s.startCampaign(c.UserContext(), camp.ID); err != nil {
		return err
	}
	camp, err = s.campaigns.GetCampaign(c.UserContext(), camp.ID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(camp)
}

func (s *Server) startCampaign(ctx context.Context, id string) error {
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflows.CampaignWorkflowID(id),
		TaskQueue:             s.cfg.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.CampaignWorkflowName, workflows.CampaignInput{CampaignID: id})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		s.logger.Error("starting a campaign's workflow failed", "campaign_id", id, "err", err)
		return domain.Errorf(domain.CodeUnavailable, "the campaign is stored but could not be started; retry with the same Idempotency-Key")
	}
	return nil
}

// checkCampaign resolves the number, the template and the rate.
func (s *Server) checkCampaign(ctx context.Context, in *campaignInput) (store.NewCampaign, error) {
	nc := store.NewCampaign{Name: strings.TrimSpace(in.Name), StartAt: in.StartAt, QuietHours: in.QuietHours}
	if nc.Name == "" {
		return nc, invalid("name is required")
	}
	var err error
	if nc.NumberID, err = requiredID("number_id", in.NumberID); err != nil {
		return nc, err
	}
	if nc.TemplateID, err = requiredID("template_id", in.TemplateID); err != nil {
		return nc, err
	}
	if err := in.QuietHours.Validate(); err != nil {
		return nc, err
	}
	n, err := s.campaigns.GetNumber(ctx, nc.NumberID)
	if err != nil {
		return nc, err
	}
	nc.AccountID = n.AccountID
	t, err := s.campaigns.GetTemplate(ctx, nc.TemplateID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nc, domain.Errorf(domain.CodeTemplateInvalid, "there is no template %s", nc.TemplateID)
	}
	if err != nil {
		return nc, err
	}
	v, ok := t.Variant(in.Language)
	if !ok {
		return nc, domain.Errorf(domain.CodeTemplateInvalid, "template %q has no variant for %q (languages: %s)", t.Name, in.Language, strings.Join(t.Languages(), ", "))
	}
	if !v.Usable() {
		return nc, domain.Errorf(domain.CodeTemplateInvalid, "template %q in %s is not approved by WhatsApp (status %s)", t.Name, v.Language, v.ApprovalStatus)
	}
	nc.TemplateName, nc.Language, nc.Body, nc.ContentSID = t.Name, v.Language, v.Body, v.ContentSID
	limit := s.cfg.TwilioRatePerSender
	switch {
	case in.RatePerSecond < 0:
		return nc, invalid("rate_per_second must be positive")
	case in.RatePerSecond == 0 && limit > 0:
		nc.RatePerSecond = limit
	case in.RatePerSecond == 0:
		nc.RatePerSecond = defaultCampaignRate
	case limit > 0 && in.RatePerSecond > limit:
		return nc, invalid("rate_per_second %.2f is above the sender's limit of %.2f messages per second", in.RatePerSecond, limit)
	default:
		nc.RatePerSecond = in.RatePerSecond
	}
	return nc, nil
}

// defaultCampaignRate is Twilio's default WhatsApp throughput per sender,
// for a deployment that does not pace its senders.
const defaultCampaignRate = 80

// campaignBody reads JSON, text/csv (fields as query parameters) or a
// multipart form (fields, and the CSV as the "file" part).
func (s *Server) campaignBody(c *fiber.Ctx) (campaignInput, error) {
	var in campaignInput
	ct, _, _ := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	switch ct {
	case fiber.MIMEApplicationJSON:
		return in, decodeJSON(c, &in)
	case "text/csv":
		return campaignFromCSV(c.Body(), func(k string) string { return c.Query(k) })
	case fiber.MIMEMultipartForm:
		form, err := c.MultipartForm()
		if err != nil {
			return in, invalid("multipart form: %s", err)
		}
		files := form.File["file"]
		if len(files) != 1 {
			return in, invalid("a multipart campaign has one CSV part named file")
		}
		f, err := files[0].Open()
		if err != nil {
			return in, err
		}
		defer f.Close()
		// The part is bounded by the route's body limit (body_limits.go);
		// reading one byte more tells a cut file from a whole one.
		data, err := io.ReadAll(io.LimitReader(f, maxCampaignBody+1))
		if err != nil {
			return in, err
		}
		if len(data) > maxCampaignBody {
			return in, domain.Errorf(domain.CodeTooLarge, "the CSV is larger than %d MiB", maxCampaignBody>>20)
		}
		return campaignFromCSV(data, func(k string) string {
			if v := form.Value[k]; len(v) > 0 {
				return v[0]
			}
			return c.Query(k)
		})
	}
	return in, invalid("Content-Type must be application/json, text/csv or multipart/form-data")
}

// campaignFromCSV reads the fields and a CSV whose header is to,1,2,…
// (the template's variables in order) and, optionally, time_zone.
func campaignFromCSV(data []byte, field func(string) string) (campaignInput, error) {
	in := campaignInput{Name: field("name"), NumberID: field("number_id"), TemplateID: field("template_id"), Language: field("language")}
	if v := field("rate_per_second"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return in, invalid("rate_per_second=%q is not a number", v)
		}
		in.RatePerSecond = r
	}
	if v := field("start_at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return in, invalid("start_at=%q is not RFC 3339", v)
		}
		in.StartAt = &t
	}
	if v := field("quiet_hours"); v != "" {
		in.QuietHours = &domain.QuietHours{}
		if err := decodeJSONBytes([]byte(v), in.QuietHours); err != nil {
			return in, err
		}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return in, invalid("the CSV has no header line (to,1,2,…)")
	}
	tzCol := -1
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch {
		case i == 0 && h == "to":
		case h == "time_zone":
			tzCol = i
		case h == strconv.Itoa(i) && (tzCol < 0):
		default:
			return in, invalid("CSV header column %d is %q: the header is to,1,2,… (the template's variables in order), optionally time_zone last", i+1, h)
		}
	}
	vars := len(header) - 1
	if tzCol >= 0 {
		vars--
	}
	var rows []domain.RowError
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			rows = append(rows, domain.RowError{Row: line, Message: "unreadable CSV: " + err.Error()})
			break
		}
		if line > domain.MaxCampaignRecipients {
			return in, &detailedError{err: domain.Errorf(domain.CodeRecipientsInvalid, "more than %d recipients", domain.MaxCampaignRecipients)}
		}
		if len(rec) != len(header) {
			rows = append(rows, domain.RowError{Row: line, Message: fmt.Sprintf("%d column(s), the header has %d", len(rec), len(header))})
			in.Recipients = append(in.Recipients, domain.CampaignRecipient{})
			continue
		}
		rcp := domain.CampaignRecipient{To: rec[0], Variables: rec[1 : 1+vars]}
		if tzCol >= 0 {
			rcp.TimeZone = strings.TrimSpace(rec[tzCol])
		}
		in.Recipients = append(in.Recipients, rcp)
	}
	if len(rows) > 0 {
		return in, &detailedError{err: domain.Errorf(domain.CodeRecipientsInvalid, "%d problem(s) in the CSV; nothing was created", len(rows)),
			details: map[string]any{"rows": rows}}
	}
	return in, nil
}

func (s *Server) getCampaign(c *fiber.Ctx) error {
	camp, err := s.campaigns.GetCampaign(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(camp)
}

func (s *Server) listCampaigns(c *fiber.Ctx) error {
	limit := c.QueryInt("limit", 100)
	if limit < 1 || limit > 1000 {
		return invalid("limit is 1 to 1000")
	}
	cs, err := s.campaigns.ListCampaigns(c.UserContext(), limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": cs})
}

// campaignAction changes a campaign's status (pause, resume, cancel) and
// wakes its workflow, which reads the status before every recipient.
func (s *Server) campaignAction(from []string, to string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Params("id")
		camp, err := s.campaigns.SetCampaignStatus(c.UserContext(), id, from, to, s.auditWith(c, map[string]string{"status": to}))
		if err != nil {
			return err
		}
		err = s.temporal.SignalWorkflow(c.UserContext(), workflows.CampaignWorkflowID(id), "", workflows.SignalCampaignChanged, to)
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			// The status is stored; the campaign sees it at its next
			// recipient or wake-up.
			s.logger.Warn("waking a campaign's workflow failed", "campaign_id", id, "err", err)
		}
		return c.JSON(camp)
	}
}
