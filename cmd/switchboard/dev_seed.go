//go:build !switchboard_nodev

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

const (
	demoQueueName      = "Support"
	demoWorkstreamName = "Support WhatsApp (demo)"
	demoAgentEmail     = "agent@demo.switchboard.local"
)

var seedAudit = store.Audit{Actor: "switchboard dev"}

// seedDemoWorkstream gives the demo number a workstream (French, push,
// the example bot first, a survey), a queue and an available agent whose
// token stays the one in .data/dev.env. Existing rows are reused.
func seedDemoWorkstream(ctx context.Context, a *app.App, numberID, botURL, agentToken string) (domain.Agent, error) {
	queue, err := findOrCreateQueue(ctx, a.Store)
	if err != nil {
		return domain.Agent{}, err
	}
	ws, err := findOrCreateWorkstream(ctx, a.Store, queue.ID, botURL)
	if err != nil {
		return domain.Agent{}, err
	}
	n, err := a.Store.GetNumber(ctx, numberID)
	if err != nil {
		return domain.Agent{}, err
	}
	if n.WorkstreamID == nil {
		if _, err := a.Store.UpdateNumber(ctx, n.AccountID, n.ID, store.NumberPatch{SetWorkstream: true, WorkstreamID: &ws.ID}, seedAudit); err != nil {
			return domain.Agent{}, err
		}
	}
	if err := seedDemoAgentKit(ctx, a.Store); err != nil {
		return domain.Agent{}, err
	}
	return findOrCreateAgent(ctx, a.Store, queue.ID, agentToken)
}

func findOrCreateQueue(ctx context.Context, st *store.Store) (domain.Queue, error) {
	qs, err := st.ListQueues(ctx)
	if err != nil {
		return domain.Queue{}, err
	}
	for _, q := range qs {
		if q.Name == demoQueueName {
			return q, nil
		}
	}
	return st.CreateQueue(ctx, demoQueueName, 0, seedAudit)
}

func findOrCreateWorkstream(ctx context.Context, st *store.Store, queueID, botURL string) (domain.Workstream, error) {
	wss, err := st.ListWorkstreams(ctx)
	if err != nil {
		return domain.Workstream{}, err
	}
	for _, ws := range wss {
		if ws.Name == demoWorkstreamName {
			return ws, nil
		}
	}
	return st.CreateWorkstream(ctx, domain.Workstream{
		Name: demoWorkstreamName, Language: "fr-FR", Distribution: domain.DistributionPush,
		CapacityPerConversation: 1, DefaultQueueID: &queueID,
		AutomatedMessages: map[string]map[string]string{
			"fr-FR": {
				domain.MsgGreeting:           "Bonjour et bienvenue chez Contoso !",
				domain.MsgQueued:             "Un conseiller va vous répondre, merci de patienter.",
				domain.MsgAgentAssigned:      "Un conseiller a rejoint la conversation.",
				domain.MsgAfterHours:         "Nous sommes fermés ; nous vous répondrons dès l'ouverture.",
				domain.MsgAttachmentRefused:  "Désolé, nous ne pouvons pas recevoir de pièces jointes.",
				domain.MsgConversationClosed: "Merci, la conversation est terminée.",
				domain.MsgSurveyThanks:       "Merci pour votre note !",
			},
			"en": {
				domain.MsgGreeting: "Hello and welcome to Contoso!",
				domain.MsgQueued:   "An agent will answer shortly.",
			},
		},
		Survey: &domain.Survey{Enabled: true, Timeout: domain.Duration(10 * time.Minute),
			Question: map[string]string{"fr-FR": "Comment noteriez-vous cet échange, de 1 à 5 ?"}},
		Attachments: domain.Attachments{Customer: true, Agent: true},
		Bot:         &domain.Bot{URL: botURL, HandoffKeyword: "conseiller", Timeout: domain.Duration(5 * time.Second)},
	}, seedAudit)
}

func findOrCreateAgent(ctx context.Context, st *store.Store, queueID, token string) (domain.Agent, error) {
	agents, err := st.ListAgents(ctx, store.AgentFilter{})
	if err != nil {
		return domain.Agent{}, err
	}
	hash := secret.HashAgentToken(token)
	for _, ag := range agents {
		if ag.Email == demoAgentEmail {
			// Keep the printed token valid even if the database outlived .data/dev.env.
			if _, err := st.RotateAgentToken(ctx, ag.ID, hash, seedAudit); err != nil {
				return domain.Agent{}, fmt.Errorf("demo agent token: %w", err)
			}
			return ag, nil
		}
	}
	return st.CreateAgent(ctx, domain.Agent{
		Name: "Camille (demo)", Email: demoAgentEmail, Capacity: 3,
		Skills: map[string]int{"orders": 7}, QueueIDs: []string{queueID}, Presence: domain.PresenceAvailable,
	}, hash, seedAudit)
}
