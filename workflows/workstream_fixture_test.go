package workflows_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/bot"
	"github.com/switchboard/switchboard/internal/bot/examplebot"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// wsFixture is a fixture whose number belongs to a workstream with queues
// and an available agent, and whose activities include routing,
// distribution and the bot.
type wsFixture struct {
	*fixture
	ws     domain.Workstream
	queues map[string]domain.Queue // by name
	botURL string
}

var noAudit = store.Audit{Actor: "test"}

func newWorkstreamFixture(t *testing.T, configure func(f *wsFixture, ws *domain.Workstream)) *wsFixture {
	t.Helper()
	ctx := context.Background()
	base := newFixture(t)
	f := &wsFixture{fixture: base, queues: map[string]domain.Queue{}}
	for _, name := range []string{"general", "orders", "vip"} {
		q, err := base.st.CreateQueue(ctx, name, map[string]int{"vip": 10}[name], noAudit)
		if err != nil {
			t.Fatal(err)
		}
		f.queues[name] = q
	}
	botSrv := httptest.NewServer(examplebot.Handler())
	t.Cleanup(botSrv.Close)
	f.botURL = botSrv.URL + "/webhooks/rest/webhook"

	general := f.queues["general"].ID
	ws := domain.Workstream{
		Name: "Support", Language: "fr-FR", Distribution: domain.DistributionPush, CapacityPerConversation: 1,
		DefaultQueueID: &general,
		AutomatedMessages: map[string]map[string]string{"fr-FR": {
			domain.MsgGreeting: "Bonjour !", domain.MsgQueued: "Un conseiller arrive.",
			domain.MsgAgentAssigned: "Un conseiller vous répond.", domain.MsgAfterHours: "Nous sommes fermés.",
			domain.MsgAttachmentRefused: "Pièces jointes refusées.", domain.MsgConversationClosed: "Au revoir.",
			domain.MsgSurveyThanks: "Merci pour votre note.",
		}},
		Attachments: domain.Attachments{Customer: true, Agent: true},
	}
	if configure != nil {
		configure(f, &ws)
	}
	created, err := base.st.CreateWorkstream(ctx, ws, noAudit)
	if err != nil {
		t.Fatal(err)
	}
	f.ws = created
	if _, err := base.st.UpdateNumber(ctx, base.acc.ID, base.input.NumberID,
		store.NumberPatch{SetWorkstream: true, WorkstreamID: &created.ID}, noAudit); err != nil {
		t.Fatal(err)
	}
	return f
}

// addAgent creates an available agent in the given queues.
func (f *wsFixture) addAgent(name string, capacity int, skills map[string]int, queues ...string) domain.Agent {
	f.t.Helper()
	var ids []string
	for _, q := range queues {
		ids = append(ids, f.queues[q].ID)
	}
	ag, err := f.st.CreateAgent(context.Background(), domain.Agent{
		Name: name, Email: strings.ToLower(name) + "@example.com", Capacity: capacity, Skills: skills,
		QueueIDs: ids, Presence: domain.PresenceAvailable,
	}, uuid.NewString(), noAudit)
	if err != nil {
		f.t.Fatal(err)
	}
	return ag
}

func (f *wsFixture) addRule(name string, conds []domain.Condition, queue string, skills []domain.SkillRequired) {
	f.t.Helper()
	if _, err := f.st.CreateRoutingRule(context.Background(), f.ws.ID, domain.RoutingRule{
		Name: name, Conditions: conds, QueueID: f.queues[queue].ID, Skills: skills,
	}, noAudit); err != nil {
		f.t.Fatal(err)
	}
}

// wire gives the activities their routing, distribution and bot parts.
// Assignments for other conversations are signalled through a Temporal
// that is unreachable: they wait in the outbox, as they would in production.
func (f *wsFixture) wire() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tc, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.acts.Settings = f.st
	f.acts.Windows = f.st
	f.acts.Distribution = app.NewDistribution(f.st, tc, 100*time.Millisecond, logger)
	f.acts.Bot = bot.NewClient(&http.Client{}, true)
}

// sentBodies is what the customer received, in order.
func (f *fixture) sentBodies() []string {
	var out []string
	for _, m := range f.emu.Messages() {
		out = append(out, m.Body)
	}
	return out
}
