package api

import (
	"context"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/twilio"
)

// OptOutSender sends the confirmation of an opt-out or opt-in keyword.
type OptOutSender interface {
	Send(ctx context.Context, req twilio.SendRequest) (twilio.SendResult, error)
}

// linkCampaign attaches to a customer's message the campaign message it
// may answer (the last one sent from the number to the customer within
// domain.CampaignReplyWindow, not yet in a transcript), before the message
// is stored in the inbox: a conversation it opens starts with that
// message and names the campaign. A failed lookup only loses the link.
func (s *Server) linkCampaign(ctx context.Context, msg *domain.InboundMessage) {
	if s.campaigns == nil {
		return
	}
	l, err := s.campaigns.CampaignReplyLink(ctx, msg.NumberID, msg.From)
	if err != nil {
		s.logger.Warn("looking up the campaign a message answers failed", "customer", domain.Mask(msg.From), "err", err)
		return
	}
	msg.Campaign = l
}

// campaignInbound runs, behind the webhook's answer, what a customer
// message means for campaigns: a reply to a campaign's message is counted
// (replied), and a message that is an opt-out or opt-in keyword of the
// number's workstream changes the account's opt-out list and, when it
// changed, is answered once with the keyword's confirmation. The message
// goes on to its conversation as any other.
func (s *Server) campaignInbound(accountID string, msg domain.InboundMessage) {
	if s.campaigns == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		log := s.logger.With("account_id", accountID, "customer", domain.Mask(msg.From))
		if id, _, err := s.campaigns.RecordCampaignReply(ctx, msg.NumberID, msg.From); err != nil {
			log.Warn("recording a campaign reply failed", "err", err)
		} else if id != "" {
			log.Info("a campaign recipient replied", "campaign_id", id)
		}
		k, ok, err := s.campaigns.MatchOptKeyword(ctx, msg.NumberID, msg.Body)
		if err != nil || !ok {
			if err != nil {
				log.Warn("matching opt-out keywords failed", "err", err)
			}
			return
		}
		changed := false
		switch k.Kind {
		case "opt_out":
			_, changed, err = s.campaigns.AddOptOut(ctx, store.OptOut{AccountID: accountID, E164: msg.From, Source: "keyword", Keyword: k.Keyword}, store.Audit{})
		case "opt_in":
			changed, err = s.campaigns.RemoveOptOut(ctx, accountID, msg.From, store.Audit{})
		}
		if err != nil {
			log.Error("changing the opt-out list failed", "kind", k.Kind, "err", err)
			return
		}
		log.Info("opt-out keyword", "kind", k.Kind, "keyword", k.Keyword, "changed", changed)
		if !changed || s.optOutSender == nil || k.Confirmation == "" {
			return
		}
		creds, err := s.tokens.Credentials(ctx, accountID)
		if err != nil {
			log.Error("no credentials to confirm an opt-out", "err", err)
			return
		}
		if _, err := s.optOutSender.Send(ctx, twilio.SendRequest{Credentials: creds, From: msg.To, To: msg.From, Body: k.Confirmation}); err != nil {
			log.Warn("sending an opt-out confirmation failed", "err", err)
		}
	}()
}
