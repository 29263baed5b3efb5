package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// A chatty customer: 3,000 messages in one conversation, an agent replying
// every 50, on a Temporal server that suggests continue-as-new every 300
// history events, so the conversation crosses continue-as-new about
// thirty times under real traffic. Every message is recorded once, in
// order; every reply is sent once, in order.
func TestChattyCustomerCrossesContinueAsNew(t *testing.T) {
	if os.Getenv("SWITCHBOARD_LOAD") == "" {
		t.Skip("3,000 messages: `make faults` runs it")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := startTemporal(ctx, "", map[string]string{"limit.historyCount.suggestContinueAsNew": "300"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	s := newStack(t, srv.Address)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)

	const customer, total, replyEvery = "+33611400001", 3000, 50
	b := newBurst(s)
	var replies []string
	start := time.Now()
	for i := 0; i < total; i += replyEvery {
		if err := b.customer(customer, replyEvery, 0); err != nil {
			t.Fatal(err)
		}
		conv := s.openConversation(customer, "the conversation assigned to ada", assignedTo(ada.ID))
		m := s.agentSend(ada.Token, conv.ID, fmt.Sprintf("reply %d", len(replies)+1))
		replies = append(replies, m.ID)
	}
	t.Logf("%d messages and %d replies in %s", total, len(replies), time.Since(start).Round(time.Second))
	b.checkExactlyOnceInOrder(t, 3*time.Minute)

	conv := s.openConversation(customer, "the conversation", func(domain.Conversation) bool { return true })
	st := s.workflowState(conv.WorkflowID)
	if st.Runs < 5 {
		t.Errorf("the conversation continued as new %d times, want many (is the server's suggestion threshold applied?)", st.Runs)
	}
	var sent []string
	for _, m := range s.messages(conv.ID) {
		if m.Direction == domain.Outbound && m.Author == "agent:"+ada.ID {
			sent = append(sent, m.ID)
		}
	}
	if !slices.Equal(sent, replies) {
		t.Errorf("%d replies in the transcript, %d sent by the agent (in order: %v)", len(sent), len(replies), slices.Equal(sent, replies))
	}
	n := 0
	for _, m := range s.emu.Messages() {
		if m.To == "whatsapp:"+customer && len(m.Body) > 6 && m.Body[:6] == "reply " {
			n++
		}
	}
	if n != len(replies) {
		t.Errorf("Twilio got %d replies, want %d", n, len(replies))
	}
	t.Logf("%d runs (continue-as-new), %d inbound recorded, %d replies sent once each", st.Runs+1, st.InboundCount, n)
}
