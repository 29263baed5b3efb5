package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/payloadcodec"
	"github.com/switchboard/switchboard/workflows"
)

// operatorsDoc is where operators read the signals and filters below.
const operatorsDoc = "docs/operations.md"

// operatorsSection is the "Operators: the Temporal UI" section of operatorsDoc.
func operatorsSection(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../" + operatorsDoc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	start := strings.Index(s, "## Operators: the Temporal UI")
	if start < 0 {
		t.Fatalf("%s has no operators section", operatorsDoc)
	}
	s = s[start:]
	if end := strings.Index(s[3:], "\n## "); end >= 0 {
		s = s[:end+3]
	}
	return s
}

// operatorsJSON returns the ```json blocks that follow heading in the section.
func operatorsJSON(t *testing.T, section, heading string, n int) []string {
	t.Helper()
	i := strings.Index(section, heading)
	if i < 0 {
		t.Fatalf("%s: no %q", operatorsDoc, heading)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)\n```").FindAllStringSubmatch(section[i:], n)
	if len(blocks) != n {
		t.Fatalf("%s: %d json blocks after %q, want %d", operatorsDoc, len(blocks), heading, n)
	}
	out := make([]string, n)
	for k, b := range blocks {
		out[k] = b[1]
	}
	return out
}

// operatorsFilter returns the filter of the table row that starts with label.
func operatorsFilter(t *testing.T, section, label string) string {
	t.Helper()
	m := regexp.MustCompile("(?m)^\\| " + regexp.QuoteMeta(label) + " \\| `([^`]+)` \\|$").FindStringSubmatch(section)
	if m == nil {
		t.Fatalf("%s: no filter row %q", operatorsDoc, label)
	}
	return m[1]
}

// signalAsTheUI sends the documented JSON as the Temporal UI does with a
// codec endpoint: the typed JSON becomes a json/plain payload, the UI has
// the operations listener's open codec endpoint encode it (from the
// operator's browser: an Origin, no key), and the signal carries what came
// back, which the workflow decodes into its own struct.
func (s *stack) signalAsTheUI(workflowID, name, raw string) {
	s.t.Helper()
	var payload map[string]any
	if err := json.Unmarshal([]byte(raw), &payload); err != nil {
		s.t.Fatalf("%s: the JSON for %s is not JSON: %v\n%s", operatorsDoc, name, err, raw)
	}
	typed := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(raw)}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{typed}})
	req, _ := http.NewRequest(http.MethodPost, s.opsURL+"/codec/encode", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", s.cfg.TemporalNamespace)
	req.Header.Set("Origin", s.cfg.TemporalUIOrigin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var encoded commonpb.Payloads
	if resp.StatusCode != http.StatusOK || protojson.Unmarshal(out, &encoded) != nil || len(encoded.Payloads) != 1 ||
		string(encoded.Payloads[0].GetMetadata()["encoding"]) != payloadcodec.EncodingName {
		s.t.Fatalf("the codec endpoint did not encrypt the signal: %d %s", resp.StatusCode, out)
	}
	if _, err := s.app.Temporal.WorkflowService().SignalWorkflowExecution(context.Background(), &workflowservice.SignalWorkflowExecutionRequest{
		Namespace:         s.cfg.TemporalNamespace,
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: workflowID},
		SignalName:        name,
		Input:             &encoded,
		Identity:          "temporal-ui",
	}); err != nil {
		s.t.Fatal(err)
	}
}

// TestOperatorSignalsFromTheOperationsDoc sends the `transfer` and `close`
// JSON of docs/operations.md exactly as written (placeholders filled in)
// and checks their effect, and runs its list filters against Temporal.
func TestOperatorSignalsFromTheOperationsDoc(t *testing.T) {
	t.Parallel()
	section := operatorsSection(t)
	closeJSON := operatorsJSON(t, section, "#### Signal `close`", 1)[0]
	transferJSON := operatorsJSON(t, section, "#### Signal `transfer`", 2)

	s := newStackWith(t, temporalAddr, func(c *config.Config) {
		c.SessionWindow = 30 * time.Minute
		c.TemporalUIOrigin = "http://127.0.0.1:8233"
	})
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 2, queue)
	billing := s.insertQueue("billing")
	bob := s.newAgent("bob", domain.PresenceAvailable, 2, billing)
	cyd := s.newAgent("cyd", domain.PresenceAvailable, 2)

	s.customerSends(customerOne, "Bonjour")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))

	// The list filters parse and find it (Temporal's visibility is eventually consistent).
	now := time.Now().UTC()
	number := s.account.Numbers[0].ID
	mine := " AND SbNumber = '" + number + "'"
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	filters := map[string]string{
		"open conversations":            operatorsFilter(t, section, "open conversations"),
		"window closes within the hour": strings.NewReplacer("2026-11-28T15:00:00Z", ts(-time.Minute), "2026-11-28T16:00:00Z", ts(time.Hour)).Replace(operatorsFilter(t, section, "window closes within the hour")),
		"an agent's conversations":      strings.ReplaceAll(operatorsFilter(t, section, "an agent's conversations"), "<agent id>", ada.ID),
		"one customer, every number":    strings.ReplaceAll(operatorsFilter(t, section, "one customer, every number"), "+33612345678", customerOne),
	}
	for what, q := range filters {
		eventually(t, 20*time.Second, "filter "+what+" to find the conversation", func() bool {
			return s.listIDs(t, q+mine)[conv.WorkflowID]
		})
	}
	// A bad queue id: refused by the workflow, nothing changes.
	s.signalAsTheUI(conv.WorkflowID, workflows.SignalTransfer, strings.ReplaceAll(transferJSON[0], "<queue id>", uuid.NewString()))
	time.Sleep(time.Second)
	if st := s.workflowState(conv.WorkflowID); st.State != domain.StateAssigned || st.AgentID != ada.ID || st.QueueID != queue {
		t.Fatalf("a transfer to an unknown queue changed the conversation: %+v", st)
	}

	// Transfer to a queue: bob (of that queue) gets it.
	s.signalAsTheUI(conv.WorkflowID, workflows.SignalTransfer, strings.ReplaceAll(transferJSON[0], "<queue id>", billing))
	conv = s.openConversation(customerOne, "the transfer to the billing queue", assignedTo(bob.ID))
	if conv.Routing == nil || conv.Routing.By != "transfer:operator:alice" || conv.Routing.QueueID != billing || !strings.Contains(conv.Routing.Reason, "billing question") {
		t.Fatalf("routing after the queue transfer: %+v", conv.Routing)
	}

	// Transfer to an agent.
	s.signalAsTheUI(conv.WorkflowID, workflows.SignalTransfer, strings.ReplaceAll(transferJSON[1], "<agent id>", cyd.ID))
	conv = s.openConversation(customerOne, "the transfer to cyd", assignedTo(cyd.ID))
	// PostgreSQL says cyd once the assignment activity wrote it; the
	// workflow's own state follows when its next task has run.
	st := s.workflowStateWhen(conv.WorkflowID, "cyd", func(st workflows.ConversationState) bool { return st.AgentID == cyd.ID })
	if st.Routing == nil || st.Routing.By != "transfer:operator:alice" {
		t.Fatalf("workflow after the agent transfer: %+v", st)
	}

	// Close.
	s.signalAsTheUI(conv.WorkflowID, workflows.SignalClose, closeJSON)
	var want map[string]string
	_ = json.Unmarshal([]byte(closeJSON), &want)
	eventually(t, 20*time.Second, "the conversation to close", func() bool {
		var c domain.Conversation
		s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &c)
		return c.State == domain.StateClosed
	})
	s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &conv)
	if conv.CloseReason == nil || *conv.CloseReason != want["reason"] || conv.ClosedBy == nil || *conv.ClosedBy != want["by"] ||
		conv.CloseNotes == nil || *conv.CloseNotes != want["notes"] {
		t.Fatalf("closed: reason %v by %v notes %v", conv.CloseReason, conv.ClosedBy, conv.CloseNotes)
	}
	st = s.workflowStateWhen(conv.WorkflowID, "closed", func(st workflows.ConversationState) bool { return st.State == domain.StateClosed })
	if st.CloseReason != want["reason"] || st.ClosedBy != want["by"] {
		t.Fatalf("state query: %+v", st)
	}

	// "Queued longer than": a conversation waiting (nobody in its queue is available).
	s.agentDo(ada.Token, http.MethodPut, "/api/v1/agent/me/presence", map[string]any{"presence": "offline"}, http.StatusOK, nil)
	const customerTwo = "+33698765432"
	s.customerSends(customerTwo, "Allô ?")
	waiting := s.openConversation(customerTwo, "a queued conversation", waitingInQueue)
	q := strings.ReplaceAll(operatorsFilter(t, section, "queued longer than 10 minutes"), "2026-11-28T14:50:00Z", time.Now().UTC().Add(time.Minute).Format(time.RFC3339))
	eventually(t, 20*time.Second, "the queued filter to find it", func() bool { return s.listIDs(t, q+mine)[waiting.WorkflowID] })
	q = strings.ReplaceAll(operatorsFilter(t, section, "queued longer than 10 minutes"), "2026-11-28T14:50:00Z", time.Now().UTC().Add(-10*time.Minute).Format(time.RFC3339))
	if s.listIDs(t, q+mine)[waiting.WorkflowID] {
		t.Fatal("a conversation queued for seconds matched 'queued longer than 10 minutes'")
	}
	q = strings.ReplaceAll(operatorsFilter(t, section, "waiting in one queue"), "<queue id>", queue)
	eventually(t, 20*time.Second, "the queue filter to find it", func() bool { return s.listIDs(t, q+mine)[waiting.WorkflowID] })
}

// listIDs runs a visibility query and returns the workflow IDs it found.
func (s *stack) listIDs(t *testing.T, query string) map[string]bool {
	t.Helper()
	resp, err := s.app.Temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		t.Fatalf("list filter %q: %v", query, err)
	}
	out := map[string]bool{}
	for _, e := range resp.Executions {
		out[e.Execution.WorkflowId] = true
	}
	return out
}
