package workflows_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

func (f *fixture) inboundWith(body string, media ...domain.Media) {
	f.env.SignalWorkflow(workflows.SignalInbound, domain.InboundMessage{
		MessageSID: "SM" + uuid.NewString()[:12], AccountID: f.acc.ID, NumberID: f.input.NumberID,
		From: customer, To: ourNumber, Body: body, ProfileName: "Marie", Media: media, ReceivedAt: f.env.Now(),
	})
}

func TestRoutingRulesPickTheQueueAndTheAgentIsAssigned(t *testing.T) {
	f := newWorkstreamFixture(t, nil)
	f.addRule("UK", []domain.Condition{{Field: domain.FieldCustomerCountryCode, Op: domain.OpEq, Value: "44"}}, "vip", nil)
	f.addRule("Orders", []domain.Condition{{Field: domain.FieldMessageBody, Op: domain.OpContains, Value: "commande"}}, "orders",
		[]domain.SkillRequired{{Name: "orders", MinProficiency: 5}})
	novice := f.addAgent("Novice", 2, map[string]int{"orders": 3}, "orders")
	expert := f.addAgent("Expert", 2, map[string]int{"orders": 8}, "orders")
	f.wire()
	f.at(time.Minute, func() { f.inbound("Où est ma COMMANDE 42 ?") })
	f.at(2*time.Minute, func() {
		st := f.state()
		if st.State != domain.StateAssigned || st.AgentID != expert.ID || st.QueueID != f.queues["orders"].ID {
			t.Errorf("state %s agent %s queue %s; want assigned to the expert in orders (novice %s)", st.State, st.AgentID, st.QueueID, novice.ID)
		}
		if st.Routing == nil || st.Routing.RuleName != "Orders" || !strings.Contains(st.Routing.Reason, "commande") {
			t.Errorf("routing %+v", st.Routing)
		}
	})
	f.run(3 * time.Minute)
	got := f.sentBodies()
	for _, want := range []string{"Bonjour !", "Un conseiller vous répond.", "Au revoir."} {
		if !slices.Contains(got, want) {
			t.Errorf("customer did not get %q: %q", want, got)
		}
	}
	conv, err := f.st.ListConversations(context.Background(), storeFilterAll())
	if err != nil || len(conv) != 1 || conv[0].Routing == nil || conv[0].Routing.RuleName != "Orders" {
		t.Fatalf("stored routing: %+v %v", conv, err)
	}
}

func TestNoRuleMatchesGoesToTheDefaultQueueAndWaits(t *testing.T) {
	f := newWorkstreamFixture(t, nil)
	f.addRule("UK", []domain.Condition{{Field: domain.FieldCustomerCountryCode, Op: domain.OpEq, Value: "44"}}, "vip", nil)
	f.wire()
	f.at(time.Minute, func() { f.inbound("bonjour") })
	f.at(2*time.Minute, func() {
		st := f.state()
		if st.State != domain.StateQueued || st.QueueID != f.queues["general"].ID || st.Routing.RuleID != "" {
			t.Errorf("state %+v", st)
		}
	})
	f.run(3 * time.Minute)
	if !slices.Contains(f.sentBodies(), "Un conseiller arrive.") {
		t.Errorf("no queued message: %q", f.sentBodies())
	}
}

func TestBotHandoff(t *testing.T) {
	for _, tc := range []struct {
		name, body, note string
		badBot           bool
	}{
		{name: "keyword", body: "CONSEILLER", note: "asked for a person"},
		{name: "bot asks for it", body: "je veux parler à un agent", note: "handed the conversation over"},
		{name: "bot fails", body: "bonjour", note: "the bot failed", badBot: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newWorkstreamFixture(t, func(f *wsFixture, ws *domain.Workstream) {
				url := f.botURL
				if tc.badBot {
					url = strings.Replace(url, "/webhooks/rest/webhook", "/nope", 1)
				}
				ws.Bot = &domain.Bot{URL: url, HandoffKeyword: "conseiller", Timeout: domain.Duration(2 * time.Second)}
			})
			f.addAgent("Ana", 1, nil, "general")
			f.wire()
			f.at(time.Minute, func() { f.inbound("bonjour") })
			f.at(2*time.Minute, func() {
				if st := f.state(); !tc.badBot && (st.State != domain.StateBot || !st.BotActive) {
					t.Errorf("after a greeting the bot keeps the conversation: %s", st.State)
				}
			})
			f.at(3*time.Minute, func() { f.inbound(tc.body) })
			f.at(4*time.Minute, func() {
				st := f.state()
				if st.BotActive || st.State != domain.StateAssigned || !strings.Contains(st.BotNote, tc.note) {
					t.Errorf("after handoff: state %s bot %v note %q", st.State, st.BotActive, st.BotNote)
				}
			})
			f.run(5 * time.Minute)
			if !tc.badBot && !hasAuthor(f, domain.AuthorBot) {
				t.Errorf("the bot's replies were not sent")
			}
		})
	}
}

func hasAuthor(f *wsFixture, author string) bool {
	convs, _ := f.st.ListConversations(context.Background(), storeFilterAll())
	for _, c := range convs {
		msgs, _ := f.st.ListMessages(context.Background(), c.ID)
		for _, m := range msgs {
			if m.Author == author {
				return true
			}
		}
	}
	return false
}

func TestAfterHoursMessageButTheConversationStillQueues(t *testing.T) {
	f := newWorkstreamFixture(t, func(f *wsFixture, ws *domain.Workstream) {
		// Open one minute a week, never now.
		now := time.Now().In(time.UTC)
		day := strings.ToLower(now.Add(72 * time.Hour).Weekday().String()[:3])
		ws.OperatingHours = &domain.OperatingHours{Timezone: "UTC", Weekly: map[string][]domain.TimeRange{day: {{Start: "03:00", End: "03:01"}}}}
	})
	f.wire()
	f.at(time.Minute, func() { f.inbound("allo") })
	f.at(2*time.Minute, func() {
		if st := f.state(); st.State != domain.StateQueued || !st.AfterHours {
			t.Errorf("state %s after_hours %v", st.State, st.AfterHours)
		}
	})
	f.run(3 * time.Minute)
	if !slices.Contains(f.sentBodies(), "Nous sommes fermés.") {
		t.Errorf("no after-hours message: %q", f.sentBodies())
	}
}

func TestCustomerAttachmentsRefused(t *testing.T) {
	f := newWorkstreamFixture(t, func(f *wsFixture, ws *domain.Workstream) { ws.Attachments.Customer = false })
	f.wire()
	f.at(time.Minute, func() {
		f.inboundWith("voici", domain.Media{URL: "https://api.twilio.com/x/Media/ME1", ContentType: "image/jpeg"})
	})
	f.run(2 * time.Minute)
	if !slices.Contains(f.sentBodies(), "Pièces jointes refusées.") {
		t.Errorf("no attachment_refused message: %q", f.sentBodies())
	}
	convs, _ := f.st.ListConversations(context.Background(), storeFilterAll())
	msgs, _ := f.st.ListMessages(context.Background(), convs[0].ID)
	for _, m := range msgs {
		if m.Direction == domain.Inbound && len(m.Media) > 0 {
			t.Errorf("refused media reached the transcript: %+v", m)
		}
	}
}

func TestSurvey(t *testing.T) {
	setup := func(t *testing.T) *wsFixture {
		f := newWorkstreamFixture(t, func(f *wsFixture, ws *domain.Workstream) {
			ws.Survey = &domain.Survey{Enabled: true, Question: map[string]string{"fr-FR": "Une note de 1 à 5 ?"}, Timeout: domain.Duration(10 * time.Minute)}
		})
		f.addAgent("Ana", 1, nil, "general")
		f.wire()
		f.at(time.Minute, func() { f.inbound("bonjour") })
		f.at(2*time.Minute, func() {
			f.env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent"})
		})
		return f
	}
	t.Run("answered", func(t *testing.T) {
		f := setup(t)
		f.at(3*time.Minute, func() {
			if st := f.state(); st.State != domain.StateSurvey {
				t.Errorf("state %s, want survey", st.State)
			}
			f.inbound("je dirais 4, merci")
		})
		f.env.ExecuteWorkflow(workflows.Conversation, f.input)
		if err := f.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		convs, _ := f.st.ListConversations(context.Background(), storeFilterAll())
		if len(convs) != 1 || convs[0].SurveyScore == nil || *convs[0].SurveyScore != 4 || convs[0].State != domain.StateClosed {
			t.Fatalf("stored: %+v", convs)
		}
		if !slices.Contains(f.sentBodies(), "Une note de 1 à 5 ?") || !slices.Contains(f.sentBodies(), "Merci pour votre note.") {
			t.Errorf("sent %q", f.sentBodies())
		}
	})
	t.Run("timed out", func(t *testing.T) {
		f := setup(t)
		f.env.ExecuteWorkflow(workflows.Conversation, f.input)
		if err := f.env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		convs, _ := f.st.ListConversations(context.Background(), storeFilterAll())
		if len(convs) != 1 || convs[0].SurveyScore != nil || convs[0].State != domain.StateClosed {
			t.Fatalf("stored: %+v", convs)
		}
	})
}

func TestInactivityCloses(t *testing.T) {
	f := newWorkstreamFixture(t, func(f *wsFixture, ws *domain.Workstream) { ws.InactivityTimeout = domain.Duration(30 * time.Minute) })
	f.wire()
	f.at(time.Minute, func() { f.inbound("allo") })
	f.at(20*time.Minute, func() { f.inbound("toujours là ?") })
	f.at(49*time.Minute, func() {
		if st := f.state(); st.State == domain.StateClosed {
			t.Errorf("closed before 30 minutes of silence")
		}
	})
	f.env.ExecuteWorkflow(workflows.Conversation, f.input)
	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	convs, _ := f.st.ListConversations(context.Background(), storeFilterAll())
	if len(convs) != 1 || convs[0].CloseReason == nil || *convs[0].CloseReason != "inactivity" {
		t.Fatalf("stored: %+v", convs)
	}
	if closedAt := convs[0].ClosedAt; closedAt == nil {
		t.Fatal("no closed_at")
	}
}

func TestWrapUpHoldsCapacityThenReleases(t *testing.T) {
	f := newWorkstreamFixture(t, func(f *wsFixture, ws *domain.Workstream) { ws.WrapUp = domain.Duration(5 * time.Minute) })
	ag := f.addAgent("Ana", 1, nil, "general")
	f.wire()
	f.at(time.Minute, func() { f.inbound("allo") })
	f.at(2*time.Minute, func() {
		f.env.SignalWorkflow(workflows.SignalClose, workflows.CloseRequest{Reason: "resolved", By: "agent"})
	})
	holds := func() bool {
		var n int
		_ = f.st.DB().Get(&n, `SELECT count(*) FROM conversations WHERE agent_id = $1 AND holds_capacity`, ag.ID)
		return n > 0
	}
	f.at(3*time.Minute, func() {
		if st := f.state(); st.State != domain.StateWrapUp || !holds() {
			t.Errorf("during wrap-up: state %s, holds capacity %v", st.State, holds())
		}
	})
	f.env.ExecuteWorkflow(workflows.Conversation, f.input)
	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if holds() {
		t.Error("capacity still held after wrap-up")
	}
}

func TestTransfer(t *testing.T) {
	f := newWorkstreamFixture(t, nil)
	f.addRule("Orders", []domain.Condition{{Field: domain.FieldMessageBody, Op: domain.OpContains, Value: "zzz"}}, "orders",
		[]domain.SkillRequired{{Name: "orders", MinProficiency: 5}})
	ana := f.addAgent("Ana", 1, nil, "general")
	bob := f.addAgent("Bob", 1, map[string]int{"orders": 9}, "orders")
	cid := f.addAgent("Cid", 1, nil, "vip")
	f.wire()
	f.at(time.Minute, func() { f.inbound("bonjour") })
	f.at(2*time.Minute, func() {
		if st := f.state(); st.AgentID != ana.ID {
			t.Errorf("first agent %s, want Ana", st.AgentID)
		}
		f.env.SignalWorkflow(workflows.SignalTransfer, workflows.TransferRequest{QueueID: f.queues["orders"].ID, By: "operator:alice"})
	})
	f.at(3*time.Minute, func() {
		st := f.state()
		if st.AgentID != bob.ID || st.QueueID != f.queues["orders"].ID || len(st.Routing.Skills) != 1 {
			t.Errorf("after queue transfer: agent %s queue %s routing %+v", st.AgentID, st.QueueID, st.Routing)
		}
	})
	var toCid *transferOutcome
	f.at(4*time.Minute, func() { toCid = f.transferUpdate(workflows.TransferRequest{AgentID: cid.ID, By: "operator:alice"}) })
	f.at(5*time.Minute, func() {
		if st := f.state(); st.AgentID != cid.ID || st.State != domain.StateAssigned {
			t.Errorf("after agent transfer: %s %s", st.State, st.AgentID)
		}
	})
	f.run(6 * time.Minute)
	if toCid == nil || toCid.err != nil {
		t.Fatalf("transfer to an agent: %+v", toCid)
	}
}

type transferOutcome struct{ err error }

func (f *fixture) transferUpdate(req workflows.TransferRequest) *transferOutcome {
	out := &transferOutcome{}
	f.env.UpdateWorkflow(workflows.UpdateTransfer, uuid.NewString(), &updateCallbacks{
		reject: func(err error) { out.err = err }, complete: func(_ interface{}, err error) { out.err = err },
	}, req)
	return out
}
