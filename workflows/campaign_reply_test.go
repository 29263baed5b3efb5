package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/workflows"
)

// TestCampaignReplyOpensItsConversation: a customer's first message that
// answers a campaign message (the webhook's link) opens a conversation
// that names the campaign, whose transcript starts with the campaign's
// message (dated when it was sent, with its status), that a campaign.id
// rule routes, and whose routing input keeps the campaign for the
// what-if. A later message's link is not taken again.
func TestCampaignReplyOpensItsConversation(t *testing.T) {
	f := newWorkstreamFixture(t, nil)
	campaignID := uuid.NewString()
	f.addRule("Spring replies", []domain.Condition{{Field: domain.FieldCampaignID, Op: domain.OpEq, Value: campaignID}}, "vip", nil)
	f.wire()
	ctx := context.Background()
	sentAt := f.env.Now().Add(-2 * time.Hour).UTC().Truncate(time.Microsecond)
	link := &domain.CampaignLink{CampaignID: campaignID, CampaignName: "spring", Seq: 3, SID: "SM" + strings.Repeat("c", 32),
		Body: "Bonjour Marie, -20% jusqu'à dimanche", Status: domain.StatusRead, SentAt: sentAt,
		Template: &domain.TemplateUse{Name: "promo", Language: "fr", Variables: []string{"Marie"}}}
	reply := func(body string) {
		m := domain.InboundMessage{MessageSID: "SM" + uuid.NewString()[:8], AccountID: f.acc.ID, NumberID: f.input.NumberID,
			From: customer, To: ourNumber, Body: body, ProfileName: "Marie", ReceivedAt: f.env.Now(), Campaign: link}
		f.env.SignalWorkflow(workflows.SignalInbound, m)
	}
	var st workflows.ConversationState
	f.at(time.Minute, func() { reply("Je veux en profiter") })
	f.at(2*time.Minute, func() { reply("allô ?") })
	f.at(3*time.Minute, func() { st = f.state() })
	f.run(4 * time.Minute)

	if st.CampaignID != campaignID || st.CampaignName != "spring" {
		t.Fatalf("workflow state names campaign %q %q", st.CampaignID, st.CampaignName)
	}
	conv, err := f.st.GetConversation(ctx, st.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.CampaignID == nil || *conv.CampaignID != campaignID || conv.CampaignName == nil || *conv.CampaignName != "spring" {
		t.Fatalf("conversation campaign %v %v", conv.CampaignID, conv.CampaignName)
	}
	if conv.QueueID == nil || *conv.QueueID != f.queues["vip"].ID || conv.Routing == nil || conv.Routing.RuleName != "Spring replies" {
		t.Fatalf("routed to %v (%+v), want vip by the campaign rule", conv.QueueID, conv.Routing)
	}
	msgs, err := f.st.ListMessages(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	first := msgs[0]
	if first.Author != domain.AuthorCampaign || first.Direction != domain.Outbound || first.Body != link.Body ||
		first.Status != domain.StatusRead || !first.CreatedAt.Equal(sentAt) || first.TwilioSID == nil || *first.TwilioSID != link.SID ||
		first.Template == nil || first.Template.Name != "promo" {
		t.Fatalf("the transcript starts with %+v, want the campaign's message sent at %v", first, sentAt)
	}
	campaignMessages := 0
	for _, m := range msgs {
		if m.Author == domain.AuthorCampaign {
			campaignMessages++
		}
	}
	if campaignMessages != 1 {
		t.Fatalf("%d copies of the campaign message", campaignMessages)
	}
	var got []domain.RoutingInput
	if err := f.st.EachRoutingInput(ctx, f.ws.ID, sentAt, f.env.Now().Add(time.Hour),
		func(in domain.RoutingInput) error { got = append(got, in); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Facts.CampaignID != campaignID {
		t.Fatalf("routing inputs %+v, want one with the campaign", got)
	}
}
