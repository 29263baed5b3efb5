package integration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/bot/examplebot"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestRecordConversationHistory records, when SWITCHBOARD_RECORD_HISTORY
// names a file, the history of a conversation that goes through most of
// the workflow (greeting, the example bot twice, handoff, routing, push
// assignment, replies, a transfer to another agent, close with notes,
// wrap-up, survey answered), as `temporal workflow show --output json`
// writes it: workflows/replay_test.go replays it. Without the variable it
// is skipped.
func TestRecordConversationHistory(t *testing.T) {
	out := recordingTarget(t)
	botSrv := httptest.NewServer(examplebot.Handler())
	t.Cleanup(botSrv.Close)
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.AllowPrivateTargets = true })
	queue := s.workstreamWith(domain.DistributionPush, map[string]any{
		"bot":     map[string]any{"url": botSrv.URL + examplebot.WebhookPath, "handoff_keyword": "agent"},
		"wrap_up": "2s",
		"survey":  map[string]any{"enabled": true, "question": map[string]string{"fr": "Notez-nous de 1 à 5"}, "timeout": "1m"},
		"automated_messages": map[string]map[string]string{"fr": {
			"greeting": "Bonjour !", "queued": "Un conseiller arrive.", "agent_assigned": "Un conseiller vous répond.",
			"conversation_closed": "Au revoir.", "survey_thanks": "Merci !",
		}},
	})
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	bob := s.newAgent("bob", domain.PresenceAvailable, 2, queue)
	const customer = "+33611500001"

	s.customerSends(customer, "bonjour")
	s.customerSends(customer, "ma commande 12")
	time.Sleep(time.Second)
	s.customerSends(customer, "agent")
	conv := s.openConversation(customer, "the conversation with an agent", func(c domain.Conversation) bool {
		return c.State == domain.StateAssigned && c.AgentID != nil
	})
	first, other := ada, bob
	if *conv.AgentID == bob.ID {
		first, other = bob, ada
	}
	s.agentDo(first.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/messages", map[string]any{"text": "Je regarde."}, http.StatusCreated, nil)
	s.customerSends(customer, "merci")
	s.agentDo(first.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/transfer", map[string]any{"agent_id": other.ID}, http.StatusOK, nil)
	s.agentDo(other.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/messages", map[string]any{"text": "C'est réglé."}, http.StatusCreated, nil)
	s.agentDo(other.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/close", map[string]any{"notes": "commande 12 livrée"}, http.StatusAccepted, nil)
	eventually(t, 20*time.Second, "the survey question", func() bool { return s.workflowState(conv.WorkflowID).State == domain.StateSurvey })
	s.customerSends(customer, "5")
	var closed domain.Conversation
	eventually(t, 30*time.Second, "the conversation closed with its score", func() bool {
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &closed)
		return closed.State == domain.StateClosed && closed.SurveyScore != nil
	})
	s.writeClosedHistory(t, out, conv)
}

// TestRecordServiceLevelsHistory records, when SWITCHBOARD_RECORD_HISTORY
// names a file, the history of a conversation under a service-level policy
// (patches service-levels-1 and notes-1): push assignment, the first
// response warned then breached by the SLA timer with its escalation steps
// (notify, raise_priority that cannot apply), an agent's internal note,
// the late reply, the customer's answer starting a next response met in
// time, close. Without the variable it is skipped; run it alone:
//
//	SWITCHBOARD_RECORD_HISTORY=$PWD/workflows/testdata/conversation_history_service_levels.json \
//	  go test -count=1 -run TestRecordServiceLevelsHistory ./integration/
func TestRecordServiceLevelsHistory(t *testing.T) {
	out := recordingTarget(t)
	// The stack encrypts payloads; the replay test knows this key only
	// (recordedPayloadKey in workflows/replay_test.go: it protects nothing).
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.PayloadKey = recordedPayloadKey })
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	s.useSLAPolicy(s.slaPolicy(map[string]any{
		"name": "Recorded", "first_response": "4s", "next_response": "10m", "warning_percent": 50,
		"escalations": []map[string]any{
			{"on": "warning", "action": "raise_priority", "priority": 5},
			{"on": "breach", "target": "first_response", "action": "notify"},
		},
	}))
	const customer = "+33611500002"
	s.customerSends(customer, "bonjour")
	conv := s.openConversation(customer, "the conversation assigned to ada", assignedTo(ada.ID))
	eventually(t, 30*time.Second, "the first response breached", func() bool {
		sla := s.slaOf(conv.ID)
		return sla != nil && sla.FirstResponse != nil && sla.FirstResponse.Status == domain.SLABreached
	})
	eventually(t, 20*time.Second, "the escalation step", func() bool {
		return countEvents(s.conversationEvents(conv.ID), "Escalation (first_response, breach)") == 1
	})
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/notes", map[string]any{"text": "client pressé"}, http.StatusCreated, nil)
	s.agentSend(ada.Token, conv.ID, "Pardon pour l'attente.")
	s.customerSends(customer, "ma commande 12")
	eventually(t, 20*time.Second, "the next response target", func() bool {
		sla := s.slaOf(conv.ID)
		return sla.NextResponse != nil && sla.NextResponse.Status == domain.SLAPending
	})
	s.agentSend(ada.Token, conv.ID, "Elle arrive demain.")
	eventually(t, 20*time.Second, "the next response met", func() bool {
		return s.slaOf(conv.ID).NextResponse.Status == domain.SLAMet
	})
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/close", map[string]any{"notes": "livraison demain"}, http.StatusAccepted, nil)
	s.writeClosedHistory(t, out, conv)
}

// writeHistory writes the conversation's history to out as `temporal
// workflow show --output json` does.
// recordedPayloadKey encrypts recorded histories: the replay test knows
// this key only (recordedPayloadKey in workflows/replay_test.go).
const recordedPayloadKey = "XDjuSQStHOl0V/xoyHDJ2DaIYqKX9ksBFm1uCmsPWls="

// recordingTarget is the file SWITCHBOARD_RECORD_HISTORY names; without
// it the recording test is skipped (recordings are made by hand, one at a
// time, and checked in under workflows/testdata).
func recordingTarget(t *testing.T) string {
	t.Helper()
	out := os.Getenv("SWITCHBOARD_RECORD_HISTORY")
	if out == "" {
		t.Skip("set SWITCHBOARD_RECORD_HISTORY=<file> to record a conversation history for the replay test")
	}
	return out
}

// writeClosedHistory waits for the conversation's run to complete, then
// writes its history as `temporal workflow show --output json` prints it.
func (s *stack) writeClosedHistory(t *testing.T, out string, conv domain.Conversation) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	eventually(t, 20*time.Second, "the run to complete", func() bool {
		d, err := s.app.Temporal.DescribeWorkflow(ctx, conv.WorkflowID, "")
		return err == nil && d.RawResponse.GetWorkflowExecutionInfo().GetCloseTime() != nil
	})
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(root, "bin", "temporal"), "workflow", "show", "--address", temporalAddr,
		"-w", conv.WorkflowID, "--output", "json")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("temporal workflow show: %v", err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes): conversation %s", out, len(b), conv.ID)
}

// TestRecordInteractiveHistory records, when SWITCHBOARD_RECORD_HISTORY
// names a file, the history of a conversation with interactive messages
// (patch interactive-1): push assignment, the agent's quick-reply buttons
// and list picker (sent with the Content SIDs the send activity created),
// the customer's tap on a button, the agent's text reply, close. Without
// the variable it is skipped; run it alone:
//
//	SWITCHBOARD_RECORD_HISTORY=$PWD/workflows/testdata/conversation_history_interactive.json \
//	  go test -count=1 -run TestRecordInteractiveHistory ./integration/
func TestRecordInteractiveHistory(t *testing.T) {
	out := recordingTarget(t)
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.PayloadKey = recordedPayloadKey })
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	const customer = "+33611500003"
	s.customerSends(customer, "bonjour, un t-shirt ?")
	conv := s.openConversation(customer, "the conversation assigned to ada", assignedTo(ada.ID))
	offer := s.agentSendBody(ada.Token, conv.ID, map[string]any{"interactive": map[string]any{"type": "buttons", "body": "Quelle taille ?",
		"options": []map[string]string{{"id": "size-s", "title": "Petit"}, {"id": "size-m", "title": "Moyen"}}}})
	s.agentSendBody(ada.Token, conv.ID, map[string]any{"interactive": map[string]any{"type": "list", "body": "Quel créneau ?", "button": "Créneaux",
		"options": []map[string]string{{"id": "mon", "title": "Lundi", "description": "9h à 12h"}, {"id": "tue", "title": "Mardi"}}}})
	var sid string
	eventually(t, 20*time.Second, "the buttons sent", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.ID == offer.ID && m.TwilioSID != nil {
				sid = *m.TwilioSID
			}
		}
		return sid != ""
	})
	s.customerSendsExtra(customer, "Moyen", map[string]string{"MessageType": "button", "ButtonText": "Moyen", "ButtonPayload": "size-m",
		"OriginalRepliedMessageSid": sid})
	eventually(t, 20*time.Second, "the tap recorded", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.Button != nil {
				return true
			}
		}
		return false
	})
	s.agentSend(ada.Token, conv.ID, "Parfait, taille M.")
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/close", map[string]any{"notes": "taille M"}, http.StatusAccepted, nil)
	s.writeClosedHistory(t, out, conv)
}

// TestRecordCampaignReplyHistory records, when SWITCHBOARD_RECORD_HISTORY
// names a file, the history of a conversation a campaign reply opens: a
// campaign sends the template to the customer, the customer answers (the
// webhook links the message to the campaign), the conversation starts
// with the campaign's message and names the campaign, a campaign.id rule
// routes it, push assignment, the agent's reply, the customer's answer,
// close. Without the variable it is skipped; run it alone:
//
//	SWITCHBOARD_RECORD_HISTORY=$PWD/workflows/testdata/conversation_history_campaign_reply.json \
//	  go test -count=1 -run TestRecordCampaignReplyHistory ./integration/
func TestRecordCampaignReplyHistory(t *testing.T) {
	out := recordingTarget(t)
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.PayloadKey = recordedPayloadKey })
	s.workstreamWith(domain.DistributionPush, nil)
	var replies domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "campaign replies"}, http.StatusCreated, &replies)
	var n domain.Number
	s.admin(http.MethodGet, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID, nil, http.StatusOK, &n)
	var tpl domain.Template
	s.admin(http.MethodPost, "/api/v1/templates", plainTemplate("promo"), http.StatusCreated, &tpl)
	const customer = "+33611500004"
	var camp domain.Campaign
	s.admin(http.MethodPost, "/api/v1/campaigns", map[string]any{"name": "soldes", "number_id": n.ID, "template_id": tpl.ID,
		"recipients": []map[string]any{{"to": customer, "variables": []string{"Ada", "42"}}}}, http.StatusCreated, &camp)
	s.admin(http.MethodPost, "/api/v1/workstreams/"+*n.WorkstreamID+"/routing-rules", map[string]any{"name": "Soldes", "queue_id": replies.ID,
		"conditions": []map[string]string{{"field": "campaign.id", "op": "eq", "value": camp.ID}}}, http.StatusCreated, nil)
	eventually(t, 30*time.Second, "the campaign completed", func() bool {
		var got domain.Campaign
		s.admin(http.MethodGet, "/api/v1/campaigns/"+camp.ID, nil, http.StatusOK, &got)
		return got.Status == domain.CampaignCompleted
	})
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, replies.ID)
	s.customerSends(customer, "Je prends le 42")
	conv := s.openConversation(customer, "the reply's conversation assigned to ada", assignedTo(ada.ID))
	if conv.CampaignID == nil || *conv.CampaignID != camp.ID || conv.Routing == nil || conv.Routing.RuleName != "Soldes" {
		t.Fatalf("the conversation names campaign %v, routed by %+v", conv.CampaignID, conv.Routing)
	}
	if msgs := s.messages(conv.ID); len(msgs) < 2 || msgs[0].Author != domain.AuthorCampaign {
		t.Fatalf("the transcript does not start with the campaign's message: %+v", msgs)
	}
	s.agentSend(ada.Token, conv.ID, "Le 42 vous attend en magasin.")
	s.customerSends(customer, "merci")
	eventually(t, 20*time.Second, "the customer's answer recorded", func() bool { return len(s.messages(conv.ID)) >= 4 })
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/close", map[string]any{"notes": "soldes, le 42"}, http.StatusAccepted, nil)
	s.writeClosedHistory(t, out, conv)
}

// TestRecordBotButtonsHistory records, when SWITCHBOARD_RECORD_HISTORY
// names a file, the history of a conversation whose bot offers buttons
// (patch interactive-1 asked by the bot): the example bot's welcome sent
// as a list picker, the customer's pick given to the bot as its payload,
// the bot's answer, the handoff keyword, routing and push assignment, the
// agent's reply, close. Without the variable it is skipped; run it alone:
//
//	SWITCHBOARD_RECORD_HISTORY=$PWD/workflows/testdata/conversation_history_bot_buttons.json \
//	  go test -count=1 -run TestRecordBotButtonsHistory ./integration/
func TestRecordBotButtonsHistory(t *testing.T) {
	out := recordingTarget(t)
	botSrv := httptest.NewServer(examplebot.Handler())
	t.Cleanup(botSrv.Close)
	s := newStackWith(t, temporalAddr, func(c *config.Config) {
		c.AllowPrivateTargets = true
		c.PayloadKey = recordedPayloadKey
	})
	queue := s.workstreamWith(domain.DistributionPush, map[string]any{
		"bot": map[string]any{"url": botSrv.URL + examplebot.WebhookPath, "handoff_keyword": "humain"},
	})
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	const customer = "+33611500006"
	s.customerSends(customer, "bonjour")
	conv := s.conversationOf(customer)
	var offer domain.Message
	eventually(t, 20*time.Second, "the bot's list sent", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.Author == domain.AuthorBot && m.Interactive != nil && m.TwilioSID != nil {
				offer = m
				return true
			}
		}
		return false
	})
	s.customerSendsExtra(customer, "Suivre une commande", map[string]string{"MessageType": "interactive",
		"ListTitle": "Suivre une commande", "ListId": "commande", "OriginalRepliedMessageSid": *offer.TwilioSID})
	eventually(t, 20*time.Second, "the bot's answer to the pick", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.Author == domain.AuthorBot && m.Body == examplebot.AskOrderTextFR {
				return true
			}
		}
		return false
	})
	s.customerSends(customer, "humain")
	conv = s.openConversation(customer, "the conversation with ada", assignedTo(ada.ID))
	s.agentSend(ada.Token, conv.ID, "Je regarde votre commande.")
	s.agentDo(ada.Token, http.MethodPost, "/api/v1/agent/conversations/"+conv.ID+"/close", map[string]any{"notes": "suivi"}, http.StatusAccepted, nil)
	s.writeClosedHistory(t, out, conv)
}
