package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/store"
)

// ReportStore computes the reports (internal/store/reports.go) from the
// report facts each transition writes.
type ReportStore interface {
	ConversationReport(ctx context.Context, q store.ReportQuery) ([]store.ConversationFigures, error)
	AgentReport(ctx context.Context, q store.ReportQuery) ([]store.AgentFigures, error)
	QueueActivity(ctx context.Context, q store.QueueActivityQuery) ([]store.QueueActivity, error)
}

// maxReportSpan bounds a report's interval: a year of facts is read in
// one query.
const maxReportSpan = 366 * 24 * time.Hour

// reportInterval reads from and to: RFC 3339 instants, [from, to).
func reportInterval(c *fiber.Ctx) (time.Time, time.Time, error) {
	var out [2]time.Time
	for i, name := range []string{"from", "to"} {
		v := c.Query(name)
		if v == "" {
			return out[0], out[1], invalid("%s is required: an RFC 3339 instant such as 2026-03-10T00:00:00Z", name)
		}
		// An unescaped "+" in an offset arrives as a space.
		t, err := time.Parse(time.RFC3339Nano, strings.Replace(v, " ", "+", 1))
		if err != nil {
			return out[0], out[1], invalid("%s must be an RFC 3339 instant such as 2026-03-10T00:00:00Z, got %q", name, v)
		}
		out[i] = t
	}
	if !out[0].Before(out[1]) {
		return out[0], out[1], invalid("from must be before to (the interval is [from, to))")
	}
	if out[1].Sub(out[0]) > maxReportSpan {
		return out[0], out[1], invalid("the interval from %s to %s is longer than 366 days", out[0].Format(time.RFC3339), out[1].Format(time.RFC3339))
	}
	return out[0], out[1], nil
}

// wantsCSV reports whether the client prefers CSV to JSON.
func wantsCSV(c *fiber.Ctx) bool {
	return c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv"
}

// conversationReportRow is one group of GET /api/v1/reports/conversations.
type conversationReportRow struct {
	Group map[string]*string `json:"group"`
	store.ConversationFigures
	SLAMet      map[string]int `json:"sla_met"`
	SLABreached map[string]int `json:"sla_breached"`
}

// groupKeys names, per grouping, the group's fields: its id, then its name.
var groupKeys = map[string][2]string{
	store.GroupByDay:        {"day", ""},
	store.GroupByQueue:      {"queue_id", "queue_name"},
	store.GroupByAgent:      {"agent_id", "agent_name"},
	store.GroupByWorkstream: {"workstream_id", "workstream_name"},
	store.GroupByNumber:     {"number_id", "e164"},
}

// conversationFigureColumns are the CSV columns after the group's, in the
// JSON fields' order.
var conversationFigureColumns = []string{"offered", "handled", "abandoned", "bot_resolved",
	"wait_seconds_p50", "wait_seconds_p90", "first_response_seconds_p50", "first_response_seconds_p90",
	"handle_seconds_p50", "handle_seconds_p90", "csat_avg", "csat_responses", "csat_response_rate",
	"messages_in", "messages_out", "templates_sent", "window_expiries", "failed_sends",
	"sla_met_first_response", "sla_met_next_response", "sla_met_resolution",
	"sla_breached_first_response", "sla_breached_next_response", "sla_breached_resolution"}

// conversationsReport answers the conversations report, grouped.
func (s *Server) conversationsReport(c *fiber.Ctx) error {
	from, to, err := reportInterval(c)
	if err != nil {
		return err
	}
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	groupBy := c.Query("group_by", store.GroupByDay)
	if !slices.Contains(store.GroupBys, groupBy) {
		return invalid("group_by must be one of %s, got %q", strings.Join(store.GroupBys, ", "), groupBy)
	}
	labelID, err := s.labelFilter(c)
	if err != nil {
		return err
	}
	figs, err := s.reports.ConversationReport(c.UserContext(), store.ReportQuery{From: from, To: to, GroupBy: groupBy, QueueIDs: sc.StoreQueues(), LabelID: labelID})
	if err != nil {
		return err
	}
	keys := groupKeys[groupBy]
	rows := make([]conversationReportRow, len(figs))
	for i, f := range figs {
		g := map[string]*string{keys[0]: f.GroupID}
		if keys[1] != "" {
			g[keys[1]] = f.GroupName
		}
		rows[i] = conversationReportRow{Group: g, ConversationFigures: f, SLAMet: f.SLAMet(), SLABreached: f.SLABreached()}
	}
	if !wantsCSV(c) {
		return c.JSON(fiber.Map{"data": rows})
	}
	header := []string{keys[0]}
	if keys[1] != "" {
		header = append(header, keys[1])
	}
	return sendCSV(c, "conversations-report.csv", append(header, conversationFigureColumns...), len(rows), func(i int) []string {
		r := rows[i]
		line := []string{str(r.GroupID)}
		if keys[1] != "" {
			line = append(line, str(r.GroupName))
		}
		f := r.ConversationFigures
		return append(line, itoa(f.Offered), itoa(f.Handled), itoa(f.Abandoned), itoa(f.BotResolved),
			num(f.WaitSecondsP50), num(f.WaitSecondsP90), num(f.FirstResponseSecondsP50), num(f.FirstResponseSecondsP90),
			num(f.HandleSecondsP50), num(f.HandleSecondsP90), num(f.CSATAvg), itoa(f.CSATResponses), num(f.CSATResponseRate),
			itoa(f.MessagesIn), itoa(f.MessagesOut), itoa(f.TemplatesSent), itoa(f.WindowExpiries), itoa(f.FailedSends),
			itoa(f.SLAMetFirstResponse), itoa(f.SLAMetNextResponse), itoa(f.SLAMetResolution),
			itoa(f.SLABreachedFirstResponse), itoa(f.SLABreachedNextResponse), itoa(f.SLABreachedResolution))
	})
}

// agentReportRow is one agent of GET /api/v1/reports/agents.
type agentReportRow struct {
	store.AgentFigures
	PresenceSeconds map[string]float64 `json:"presence_seconds"`
}

var agentReportColumns = []string{"agent_id", "name", "available_seconds", "busy_seconds", "away_seconds", "offline_seconds",
	"handled", "handle_seconds_total", "handle_seconds_avg"}

// agentsReport answers the agents report: time in each presence,
// conversations handled and handle time.
func (s *Server) agentsReport(c *fiber.Ctx) error {
	from, to, err := reportInterval(c)
	if err != nil {
		return err
	}
	sc, err := supervisorScope(c)
	if err != nil {
		return err
	}
	figs, err := s.reports.AgentReport(c.UserContext(), store.ReportQuery{From: from, To: to, QueueIDs: sc.StoreQueues()})
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		return sendCSV(c, "agents-report.csv", agentReportColumns, len(figs), func(i int) []string {
			f := figs[i]
			return []string{f.AgentID, f.Name, flt(f.AvailableSeconds), flt(f.BusySeconds), flt(f.AwaySeconds), flt(f.OfflineSeconds),
				itoa(f.Handled), flt(f.HandleSecondsTotal), num(f.HandleSecondsAvg)}
		})
	}
	rows := make([]agentReportRow, len(figs))
	for i, f := range figs {
		rows[i] = agentReportRow{AgentFigures: f, PresenceSeconds: map[string]float64{
			"available": f.AvailableSeconds, "busy": f.BusySeconds, "away": f.AwaySeconds, "offline": f.OfflineSeconds}}
	}
	return c.JSON(fiber.Map{"data": rows})
}

// sendCSV answers a CSV document: the header, then one line per row.
func sendCSV(c *fiber.Ctx, filename string, header []string, n int, line func(i int) []string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	for i := range n {
		_ = w.Write(line(i))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return c.Send(buf.Bytes())
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func itoa(n int) string { return strconv.Itoa(n) }

func flt(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// num is a figure that may be missing (no conversation had it): empty.
func num(p *float64) string {
	if p == nil {
		return ""
	}
	return flt(*p)
}
