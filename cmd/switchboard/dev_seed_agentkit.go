//go:build !switchboard_nodev

package main

import (
	"context"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
)

// seedDemoAgentKit gives the demo a few quick replies (type / in the
// console's composer) and labels, once: nothing is added when any exists.
func seedDemoAgentKit(ctx context.Context, st *store.Store) error {
	if qs, err := st.ListQuickReplies(ctx); err != nil || len(qs) > 0 {
		return err
	}
	for _, q := range []store.QuickReplyInput{
		{Title: "Bonjour", Shortcut: "bonjour", Text: "Bonjour {{customer.first_name}}, je suis {{agent.first_name}}. Comment puis-je vous aider ?"},
		{Title: "Numéro de commande", Shortcut: "commande", Text: "Pouvez-vous me donner votre numéro de commande, s'il vous plaît ?"},
		{Title: "Merci", Shortcut: "merci", Text: "Merci {{customer.first_name}}, bonne journée !"},
	} {
		if _, err := st.CreateQuickReply(ctx, q, seedAudit); err != nil {
			return err
		}
	}
	if ls, err := st.ListLabels(ctx); err != nil || len(ls) > 0 {
		return err
	}
	for _, l := range []domain.Label{{Name: "VIP", Color: "#b3261e"}, {Name: "Livraison", Color: "#1f7a4d"}, {Name: "Facturation", Color: "#1a73e8"}} {
		if _, err := st.CreateLabel(ctx, l.Name, l.Color, seedAudit); err != nil {
			return err
		}
	}
	return nil
}
