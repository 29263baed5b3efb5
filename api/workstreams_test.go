package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
)

func fullWorkstream(queueID string) map[string]any {
	return map[string]any{
		"name": "Support FR", "language": "fr-fr", "distribution": "pick", "capacity_per_conversation": 2,
		"default_queue_id":   queueID,
		"automated_messages": map[string]any{"fr-fr": map[string]string{"greeting": "Bonjour", "after_hours": "Nous sommes fermés"}},
		"survey":             map[string]any{"enabled": true, "question": map[string]string{"fr-FR": "Une note de 1 à 5 ?"}, "timeout": "10m"},
		"attachments":        map[string]any{"customer": false},
		"inactivity_timeout": "30m", "wrap_up": "45s",
		"operating_hours": map[string]any{"timezone": "Europe/Paris", "weekly": map[string]any{
			"mon": []map[string]string{{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}},
		}},
		"bot": map[string]any{"url": "https://bot.example.com/webhooks/rest/webhook", "handoff_keyword": "agent"},
	}
}

func TestWorkstreamsAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	var q domain.Queue
	a.do(http.MethodPost, "/api/v1/queues", map[string]any{"name": "General"}, http.StatusCreated, &q)

	// Defaults for what is left out.
	var min domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", map[string]any{"name": "Minimal", "language": "EN-us"}, http.StatusCreated, &min)
	if min.Language != "en-US" || min.Distribution != "push" || min.CapacityPerConversation != 1 || !min.Attachments.Customer ||
		!min.Attachments.Agent || min.Bot != nil || min.Survey != nil || min.Version != 1 || min.AutomatedMessages == nil {
		t.Fatalf("defaults: %+v", min)
	}

	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", fullWorkstream(q.ID), http.StatusCreated, &ws)
	if ws.Language != "fr-FR" || ws.AutomatedMessages["fr-FR"]["greeting"] != "Bonjour" || ws.Attachments.Customer || !ws.Attachments.Agent ||
		ws.InactivityTimeout.D() != 30*time.Minute || ws.Bot.Timeout.D() != 10*time.Second || ws.Distribution != "pick" {
		t.Fatalf("created %+v", ws)
	}
	var got domain.Workstream
	a.do(http.MethodGet, "/api/v1/workstreams/"+ws.ID, nil, http.StatusOK, &got)
	if got.Survey == nil || got.Survey.Timeout.D() != 10*time.Minute || len(got.OperatingHours.Weekly["mon"]) != 2 {
		t.Fatalf("get %+v", got)
	}

	// PATCH changes only what it names, bumps the version, and null removes.
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"wrap_up": "2m", "bot": nil}, http.StatusOK, &got)
	if got.WrapUp.D() != 2*time.Minute || got.Bot != nil || got.Version != 2 || got.Survey == nil || got.Language != "fr-FR" || got.Attachments.Customer {
		t.Fatalf("patched %+v", got)
	}
	// A GET sent back (read-only fields included) with an old version is a conflict.
	stale := fullWorkstream(q.ID)
	stale["id"], stale["version"], stale["created_at"] = ws.ID, 1, ws.CreatedAt
	a.fails(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, stale, http.StatusConflict, "version 2, not 1")
	stale["version"] = 2
	a.do(http.MethodPut, "/api/v1/workstreams/"+ws.ID, stale, http.StatusOK, &got)
	if got.Version != 3 || got.Bot == nil || got.WrapUp.D() != 45*time.Second {
		t.Fatalf("put %+v", got)
	}
	got = domain.Workstream{} // decoding into a used map would merge
	a.do(http.MethodPut, "/api/v1/workstreams/"+ws.ID, map[string]any{"name": "Support FR", "language": "fr"}, http.StatusOK, &got)
	if got.Bot != nil || got.Survey != nil || got.Distribution != "push" || got.DefaultQueueID != nil || len(got.AutomatedMessages) != 0 {
		t.Fatalf("put resets what it leaves out: %+v", got)
	}
	a.fails(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"id": uuid.NewString()}, http.StatusBadRequest, "id cannot change")
	a.fails(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"name": "Minimal"}, http.StatusConflict, "name")
	a.fails(http.MethodPatch, "/api/v1/workstreams/"+uuid.NewString(), map[string]any{"name": "x"}, http.StatusNotFound, "not found")

	var lst list[domain.Workstream]
	a.do(http.MethodGet, "/api/v1/workstreams", nil, http.StatusOK, &lst)
	if len(lst.Data) != 2 {
		t.Fatalf("list: %+v", lst)
	}

	// Refused while a number uses it; allowed once the number moved away.
	var acc domain.Account
	a.do(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Contoso", "twilio_account_sid": "AC0123456789abcdef0123456789abcdef", "twilio_auth_token": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
		"numbers": []map[string]any{{"name": "Support", "e164": "+14155550100", "workstream_id": ws.ID}},
	}, http.StatusCreated, &acc)
	a.fails(http.MethodDelete, "/api/v1/workstreams/"+ws.ID, nil, http.StatusConflict, "+14155550100")
	a.do(http.MethodPatch, "/api/v1/whatsapp-accounts/"+acc.ID+"/numbers/"+acc.Numbers[0].ID, map[string]any{"workstream_id": min.ID}, http.StatusOK, nil)
	a.do(http.MethodDelete, "/api/v1/workstreams/"+ws.ID, nil, http.StatusNoContent, nil)
	a.fails(http.MethodGet, "/api/v1/workstreams/"+ws.ID, nil, http.StatusNotFound, "not found")
}

// Each rule is unit-tested in internal/domain; here, that the API answers
// 400 with the field named, for a sample of them and for the rules that
// need the database or the decoder.
func TestWorkstreamValidationAPI(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"language", func(m map[string]any) { m["language"] = "french" }, "language"},
		{"distribution", func(m map[string]any) { m["distribution"] = "random" }, "distribution"},
		{"capacity", func(m map[string]any) { m["capacity_per_conversation"] = 0 }, "capacity_per_conversation"},
		{"default queue missing", func(m map[string]any) { m["default_queue_id"] = uuid.NewString() }, "default_queue_id: no such queue"},
		{"default queue not an id", func(m map[string]any) { m["default_queue_id"] = "general" }, "default_queue_id"},
		{"message kind", func(m map[string]any) { m["automated_messages"] = map[string]any{"fr": map[string]string{"bye": "x"}} }, "unknown kind"},
		{"survey language", func(m map[string]any) {
			m["survey"] = map[string]any{"enabled": true, "question": map[string]string{"en": "?"}, "timeout": "5m"}
		}, "workstream language fr-FR"},
		{"survey unknown field", func(m map[string]any) { m["survey"] = map[string]any{"enabled": true, "questions": nil} }, "unknown field"},
		{"duration", func(m map[string]any) { m["wrap_up"] = "soon" }, "duration"},
		{"negative duration", func(m map[string]any) { m["inactivity_timeout"] = "-1m" }, "inactivity_timeout"},
		{"time zone", func(m map[string]any) {
			m["operating_hours"] = map[string]any{"timezone": "Paris", "weekly": map[string]any{}}
		}, "IANA"},
		{"hours overlap", func(m map[string]any) {
			m["operating_hours"] = map[string]any{"timezone": "Europe/Paris", "weekly": map[string]any{"tue": []map[string]string{{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "18:00"}}}}
		}, "overlap"},
		{"bot url", func(m map[string]any) { m["bot"] = map[string]any{"url": "bot.local", "handoff_keyword": "agent"} }, "bot.url"},
		{"bot timeout", func(m map[string]any) {
			m["bot"] = map[string]any{"url": "http://bot.local", "handoff_keyword": "agent", "timeout": "2m"}
		}, "bot.timeout"},
		{"read-only field on create", func(m map[string]any) { m["version"] = 3 }, "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.t = t
			body := fullWorkstream(uuid.NewString())
			delete(body, "default_queue_id")
			tc.change(body)
			a.fails(http.MethodPost, "/api/v1/workstreams", body, http.StatusBadRequest, tc.want)
		})
	}
	a.fails(http.MethodPost, "/api/v1/workstreams", "[1]", http.StatusBadRequest)
	var lst list[domain.Workstream]
	a.do(http.MethodGet, "/api/v1/workstreams", nil, http.StatusOK, &lst)
	if len(lst.Data) != 0 {
		t.Fatalf("a refused workstream was stored: %+v", lst.Data)
	}
}

// TestWorkstreamSurveyTemplate: survey.template_id must name a template
// whose variant for the workstream's language (or default) is approved
// and takes no variables; it is kept, and null removes it.
func TestWorkstreamSurveyTemplate(t *testing.T) {
	t.Parallel()
	a := newChanAPI(t)
	template := func(name, body, status string) string {
		var tpl domain.Template
		a.do(http.MethodPost, "/api/v1/templates", map[string]any{"name": name, "category": "utility", "default_language": "fr-FR",
			"variants": []map[string]any{{"language": "fr-FR", "body": body, "approval_status": status}}}, http.StatusCreated, &tpl)
		return tpl.ID
	}
	good := template("csat_fr", "Une note de 1 à 5 pour notre échange ?", "approved")
	pending := template("csat_pending", "Une note de 1 à 5 ?", "pending")
	vars := template("csat_vars", "{{1}}, une note de 1 à 5 ?", "approved")
	withTemplate := func(id any) map[string]any {
		return map[string]any{"name": "Survey", "language": "fr-FR",
			"survey": map[string]any{"enabled": true, "question": map[string]string{"fr-FR": "Une note ?"}, "timeout": "10m", "template_id": id}}
	}
	a.fails(http.MethodPost, "/api/v1/workstreams", withTemplate(uuid.NewString()), http.StatusUnprocessableEntity, "survey.template_id", "there is no template")
	a.fails(http.MethodPost, "/api/v1/workstreams", withTemplate("nope"), http.StatusBadRequest, "survey.template_id")
	a.fails(http.MethodPost, "/api/v1/workstreams", withTemplate(pending), http.StatusUnprocessableEntity, "not approved")
	a.fails(http.MethodPost, "/api/v1/workstreams", withTemplate(vars), http.StatusUnprocessableEntity, "no variables")

	var ws domain.Workstream
	a.do(http.MethodPost, "/api/v1/workstreams", withTemplate(good), http.StatusCreated, &ws)
	if ws.Survey == nil || ws.Survey.TemplateID == nil || *ws.Survey.TemplateID != good {
		t.Fatalf("created %+v", ws.Survey)
	}
	// PATCH replaces the survey whole (patch.go).
	a.fails(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"survey": withTemplate(pending)["survey"]}, http.StatusUnprocessableEntity, "not approved")
	var got domain.Workstream
	a.do(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"survey": withTemplate(nil)["survey"]}, http.StatusOK, &got)
	if got.Survey == nil || got.Survey.TemplateID != nil || !got.Survey.Enabled {
		t.Fatalf("template removed: %+v", got.Survey)
	}
}
