package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/store/storetest"
)

// TestAgentQuickRepliesAreGlobalOrOfTheAgentsWorkstreams: an agent gets
// the replies without a workstream and those of workstreams that send work
// to its queues (default queue or routing rule), not the others'.
func TestAgentQuickRepliesAreGlobalOrOfTheAgentsWorkstreams(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	mine, other, ruled := mustQueue(t, st, "Mine"), mustQueue(t, st, "Other"), mustQueue(t, st, "Ruled")
	wsMine := mustWorkstream(t, st, "Mine", &mine.ID)
	wsOther := mustWorkstream(t, st, "Other", &other.ID)
	wsRuled := mustWorkstream(t, st, "Ruled", &other.ID)
	mustRule(t, st, wsRuled.ID, "to ruled", ruled.ID, 0)
	agent := uuid.NewString()
	st.DB().MustExec(`INSERT INTO agents (id, name, email, token_hash) VALUES ($1, 'A', 'a@example.com', 'h')`, agent)
	st.DB().MustExec(`INSERT INTO agent_queues (agent_id, queue_id) VALUES ($1, $2), ($1, $3)`, agent, mine.ID, ruled.ID)

	for _, in := range []store.QuickReplyInput{
		{Title: "Hello", Shortcut: "hello", Text: "Hi {{customer.name}}"},
		{Title: "Mine", Shortcut: "mine", Text: "m", WorkstreamID: &wsMine.ID},
		{Title: "Other", Shortcut: "other", Text: "o", WorkstreamID: &wsOther.ID},
		{Title: "Ruled", Shortcut: "ruled", Text: "r", WorkstreamID: &wsRuled.ID},
	} {
		if _, err := st.CreateQuickReply(ctx, in, testAudit); err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.CreateQuickReply(ctx, store.QuickReplyInput{Title: "dup", Shortcut: "HELLO", Text: "x"}, testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "shortcut")
	bad := uuid.NewString()
	_, err = st.CreateQuickReply(ctx, store.QuickReplyInput{Title: "x", Shortcut: "x", Text: "x", WorkstreamID: &bad}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "workstream_id")

	got, err := st.AgentQuickReplies(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	var shortcuts []string
	for _, q := range got {
		shortcuts = append(shortcuts, q.Shortcut)
	}
	if want := []string{"hello", "mine", "ruled"}; !equalStrings(shortcuts, want) {
		t.Fatalf("agent's quick replies %v, want %v", shortcuts, want)
	}
	all, _ := st.ListQuickReplies(ctx)
	if len(all) != 4 {
		t.Fatalf("admin list: %d", len(all))
	}
	if err := st.DeleteQuickReply(ctx, all[0].ID, testAudit); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, st.DeleteQuickReply(ctx, all[0].ID, testAudit), domain.CodeNotFound)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestConversationLabelsAndRoutingRuleLabels: labels show on the
// conversation, filter lists, and a routing rule's labels are put on the
// conversations it routes once: an agent who removes one does not see it
// come back at the next save of the same decision.
func TestConversationLabelsAndRoutingRuleLabels(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	vip, err := st.CreateLabel(ctx, "VIP", "#aa0000", testAudit)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := st.CreateLabel(ctx, "French", "#0000ff", testAudit)
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.CreateLabel(ctx, "vip", "#aa0000", testAudit)
	storetest.WantCode(t, err, domain.CodeConflict, "name")
	_, err = st.CreateLabel(ctx, "x", "red", testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "color")

	if err := st.AddConversationLabel(ctx, conv.ID, vip.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	if err := st.AddConversationLabel(ctx, conv.ID, vip.ID, testAudit); err != nil {
		t.Fatalf("adding twice: %v", err)
	}
	storetest.WantCode(t, st.AddConversationLabel(ctx, conv.ID, uuid.NewString(), testAudit), domain.CodeInvalid, "label_id")
	c, err := st.GetConversation(ctx, conv.ID)
	if err != nil || len(c.Labels) != 1 || c.Labels[0].Name != "VIP" || c.Labels[0].Color != "#aa0000" {
		t.Fatalf("conversation labels: %+v %v", c.Labels, err)
	}
	page, err := st.ListConversationsPage(ctx, store.ConversationFilter{LabelID: vip.ID})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("filter by label: %+v %v", page.Data, err)
	}
	page, err = st.ListConversationsPage(ctx, store.ConversationFilter{LabelID: fr.ID})
	if err != nil || len(page.Data) != 0 {
		t.Fatalf("filter by another label: %+v %v", page.Data, err)
	}
	if err := st.RemoveConversationLabel(ctx, conv.ID, vip.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, st.RemoveConversationLabel(ctx, conv.ID, vip.ID, testAudit), domain.CodeNotFound)

	// A rule with labels: the first save of its decision labels the
	// conversation, later saves of the same decision do not.
	q := mustQueue(t, st, "Q")
	ws := mustWorkstream(t, st, "W", &q.ID)
	rule, err := st.CreateRoutingRule(ctx, ws.ID, domain.RoutingRule{Name: "fr", QueueID: q.ID, LabelIDs: []string{fr.ID, vip.ID}}, testAudit)
	if err != nil || len(rule.LabelIDs) != 2 {
		t.Fatalf("rule with labels: %+v %v", rule, err)
	}
	_, err = st.CreateRoutingRule(ctx, ws.ID, domain.RoutingRule{Name: "bad", QueueID: q.ID, LabelIDs: []string{uuid.NewString()}}, testAudit)
	storetest.WantCode(t, err, domain.CodeInvalid, "label_ids")
	conv.Routing = &domain.Routing{RuleID: rule.ID, RuleName: rule.Name, QueueID: q.ID}
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	labels, _ := st.ConversationLabels(ctx, conv.ID)
	if len(labels) != 2 || labels[0].Name != "French" || labels[1].Name != "VIP" {
		t.Fatalf("labels after routing: %+v", labels)
	}
	if err := st.RemoveConversationLabel(ctx, conv.ID, vip.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	if labels, _ := st.ConversationLabels(ctx, conv.ID); len(labels) != 1 {
		t.Fatalf("a removed label came back: %+v", labels)
	}
	// Deleting a label takes it off conversations and rules.
	if err := st.DeleteLabel(ctx, fr.ID, testAudit); err != nil {
		t.Fatal(err)
	}
	if labels, _ := st.ConversationLabels(ctx, conv.ID); len(labels) != 0 {
		t.Fatalf("labels after delete: %+v", labels)
	}
	if r, _ := st.GetRoutingRule(ctx, ws.ID, rule.ID); len(r.LabelIDs) != 1 || r.LabelIDs[0] != vip.ID {
		t.Fatalf("rule labels after delete: %+v", r.LabelIDs)
	}
}

// TestCustomerProfileHistoryAndSearch: the profile name is the first one
// seen on the account, the business's fields are kept per account, the
// history spans the account's numbers, and search finds by name and digits.
func TestCustomerProfileHistoryAndSearch(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	conv := newConversation(t, st)
	conv.ProfileName = "Jeanne"
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	acc, err := st.GetAccount(ctx, conv.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.AddNumber(ctx, acc.ID, store.NewNumber{Name: "n2", E164: "+14155550199"}, testAudit)
	if err != nil {
		t.Fatal(err)
	}
	later := conv
	later.ID, later.NumberID, later.WorkflowID, later.ProfileName = uuid.NewString(), second.ID, "conv:later", "J. Renamed"
	if err := st.SaveConversation(ctx, later); err != nil {
		t.Fatal(err)
	}
	p, err := st.CustomerProfile(ctx, acc.ID, conv.CustomerE164)
	if err != nil || p.ProfileName != "Jeanne" || p.DisplayName != "" || string(p.Attributes) != "{}" || p.FirstSeenAt == nil {
		t.Fatalf("profile before any change: %+v %v", p, err)
	}
	name, ext := "Jeanne Dupont", "CRM-42"
	p, err = st.UpdateCustomerProfile(ctx, acc.ID, conv.CustomerE164, store.CustomerProfilePatch{
		DisplayName: &name, ExternalID: &ext, Attributes: json.RawMessage(`{"tier":"gold"}`)}, testAudit, conv.ID)
	if err != nil || p.DisplayName != name || p.ExternalID != ext || p.Name() != name {
		t.Fatalf("profile after change: %+v %v", p, err)
	}
	notes := "call back"
	p, err = st.UpdateCustomerProfile(ctx, acc.ID, conv.CustomerE164, store.CustomerProfilePatch{Notes: &notes}, testAudit, conv.ID)
	if err != nil || p.DisplayName != name || p.Notes != notes {
		t.Fatalf("a patch of notes changed other fields: %+v %v", p, err)
	}
	var attrs map[string]string
	if err := json.Unmarshal(p.Attributes, &attrs); err != nil || attrs["tier"] != "gold" {
		t.Fatalf("attributes: %s", p.Attributes)
	}

	hist, err := st.CustomerHistory(ctx, acc.ID, conv.CustomerE164, 0)
	if err != nil || len(hist) != 2 || hist[0].ID != later.ID || hist[1].NumberE164 != "+14155550100" {
		t.Fatalf("history: %+v %v", hist, err)
	}

	for _, q := range []string{"dupont", "CRM-4", "renamed", "612345", "+33 6 12 34"} {
		page, err := st.SearchCustomers(ctx, store.CustomerSearch{Query: q})
		if err != nil || len(page.Data) != 1 || page.Data[0].E164 != conv.CustomerE164 || page.Data[0].Conversations != 2 {
			t.Fatalf("search %q: %+v %v", q, page.Data, err)
		}
	}
	page, err := st.SearchCustomers(ctx, store.CustomerSearch{Query: "nobody"})
	if err != nil || len(page.Data) != 0 {
		t.Fatalf("search nobody: %+v %v", page.Data, err)
	}
}

// TestCustomerSearchScopedToQueues: a scoped search (a supervisor's
// queues) finds only customers with a conversation in those queues, and
// counts only those conversations; a profile alone is not in any scope;
// unscoped finds everyone.
func TestCustomerSearchScopedToQueues(t *testing.T) {
	t.Parallel()
	st := storetest.New(t)
	ctx := context.Background()
	mine, other := mustQueue(t, st, "Mine"), mustQueue(t, st, "Other")
	conv := newConversation(t, st)
	conv.ProfileName = "Jeanne"
	if err := st.SaveConversation(ctx, conv); err != nil {
		t.Fatal(err)
	}
	elsewhere := conv
	elsewhere.ID, elsewhere.WorkflowID = uuid.NewString(), "conv:elsewhere"
	if err := st.SaveConversation(ctx, elsewhere); err != nil {
		t.Fatal(err)
	}
	stranger := conv
	stranger.ID, stranger.WorkflowID = uuid.NewString(), "conv:stranger"
	stranger.CustomerE164, stranger.ProfileName = "+33699999999", "Jean Autre"
	if err := st.SaveConversation(ctx, stranger); err != nil {
		t.Fatal(err)
	}
	st.DB().MustExec(`UPDATE conversations SET queue_id = $1 WHERE id = $2`, mine.ID, conv.ID)
	st.DB().MustExec(`UPDATE conversations SET queue_id = $1 WHERE id = ANY($2)`, other.ID, pq.Array([]string{elsewhere.ID, stranger.ID}))
	name := "Profile Only"
	if _, err := st.UpdateCustomerProfile(ctx, conv.AccountID, "+33688888888", store.CustomerProfilePatch{DisplayName: &name}, testAudit, ""); err != nil {
		t.Fatal(err)
	}
	search := func(q string, queues []string) []store.CustomerHit {
		t.Helper()
		page, err := st.SearchCustomers(ctx, store.CustomerSearch{Query: q, QueueIDs: queues})
		if err != nil {
			t.Fatal(err)
		}
		return page.Data
	}
	if got := search("jean", nil); len(got) != 2 {
		t.Fatalf("unscoped search jean: %+v", got)
	}
	if got := search("", nil); len(got) != 3 {
		t.Fatalf("unscoped search of everyone: %+v", got)
	}
	got := search("jean", []string{mine.ID})
	if len(got) != 1 || got[0].E164 != conv.CustomerE164 || got[0].Conversations != 1 || got[0].LastConversation != conv.ID {
		t.Fatalf("search jean in my queue: %+v", got)
	}
	if got := search("", []string{mine.ID}); len(got) != 1 {
		t.Fatalf("everyone in my queue: %+v", got)
	}
	if got := search("profile", []string{mine.ID}); len(got) != 0 {
		t.Fatalf("a customer with a profile only is in no queue: %+v", got)
	}
	if got := search("jean", []string{other.ID}); len(got) != 2 {
		t.Fatalf("search jean in the other queue: %+v", got)
	}
	if got := search("jean", []string{}); len(got) != 0 {
		t.Fatalf("a supervisor of no queue found: %+v", got)
	}
}
