package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// exportBody is GET /api/v1/customers/{e164}/export.
type exportBody struct {
	CustomerE164 string                       `json:"customer_e164"`
	Postgres     map[string][]json.RawMessage `json:"postgres"`
	Temporal     struct {
		Executions []struct {
			WorkflowID string `json:"workflow_id"`
			Status     string `json:"status"`
		} `json:"workflow_executions"`
	} `json:"temporal"`
}

// TestEraseCustomerEverywhere: a customer with a closed conversation and
// open ones on two numbers (one assigned to an agent), next to another
// customer. The export lists everything held about them; DELETE (literal
// plus) closes the open conversations without writing to the customer
// again, deletes every PostgreSQL row about them and their workflow
// executions; `temporal workflow list` then finds nothing for them, the
// export finds nothing, the other customer is untouched, and the audit log
// records the erasure by a fingerprint, never the number.
func TestEraseCustomerEverywhere(t *testing.T) {
	t.Parallel()
	// A number of its own: the Temporal dev server is shared by the tests.
	customer := fmt.Sprintf("+3367%07d", rand.IntN(10_000_000))
	other := fmt.Sprintf("+3368%07d", rand.IntN(10_000_000))
	encoded := "%2B" + customer[1:]
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = 30 * time.Minute })
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 5, queue)
	const second = "+14155550111"
	var num domain.Number
	s.admin(http.MethodPost, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers", map[string]any{"name": "Sales", "e164": second}, http.StatusCreated, &num)
	s.emu.ConfigureSender(accountSID, second, s.account.InboundURL)
	write := func(from, to, body string) {
		t.Helper()
		if _, st, err := s.emu.SendInbound(context.Background(), emulator.InboundRequest{AccountSID: accountSID, From: from, To: to, Body: body, ProfileName: "Marie"}); err != nil || st != http.StatusOK {
			t.Fatalf("inbound: %d %v", st, err)
		}
	}

	// A closed conversation, then open ones on both numbers, and another customer's.
	write(customer, ourNumber, "première demande")
	first := s.openConversation(customer, "the first conversation", assignedTo(ada.ID))
	s.admin(http.MethodPost, "/api/v1/conversations/"+first.ID+"/close", map[string]any{"reason": "resolved"}, http.StatusAccepted, nil)
	eventually(t, 20*time.Second, "the first conversation's workflow to end", func() bool {
		d, err := s.app.Temporal.DescribeWorkflow(context.Background(), first.WorkflowID, "")
		return err == nil && d.WorkflowCloseTime != nil
	})
	write(customer, ourNumber, "deuxième demande, carte 4970")
	s.openConversation(customer, "the open conversation on the first number", assignedTo(ada.ID))
	write(customer, second, "une question commerciale")
	write(other, ourNumber, "je reste")
	otherConv := s.openConversation(other, "the other customer's conversation", assignedTo(ada.ID))
	eventually(t, 20*time.Second, "both open conversations of the customer", func() bool {
		var page listResponse[domain.Conversation]
		s.admin(http.MethodGet, "/api/v1/conversations?customer="+encoded, nil, http.StatusOK, &page)
		open := 0
		for _, c := range page.Data {
			if c.State != domain.StateClosed && len(s.messages(c.ID)) > 0 {
				open++
			}
		}
		return open == 2
	})

	var before exportBody
	s.admin(http.MethodGet, "/api/v1/customers/"+encoded+"/export", nil, http.StatusOK, &before)
	if before.CustomerE164 != customer || len(before.Postgres["conversations"]) != 3 || len(before.Postgres["messages"]) < 3 ||
		len(before.Postgres["inbound_inbox"]) != 3 || len(before.Postgres["contacts"]) != 1 || len(before.Temporal.Executions) < 3 {
		t.Fatalf("export before: %d conversations, %d messages, %d inbox, %d contacts, %d executions", len(before.Postgres["conversations"]),
			len(before.Postgres["messages"]), len(before.Postgres["inbound_inbox"]), len(before.Postgres["contacts"]), len(before.Temporal.Executions))
	}
	sentBefore := len(s.emu.Messages())

	// Erase, with the plus written as is; a 202 means it goes on: ask again.
	var res struct {
		Status              string           `json:"status"`
		ErasureID           string           `json:"erasure_id"`
		Customer            string           `json:"customer"`
		ConversationsClosed int              `json:"conversations_closed"`
		RowsDeleted         map[string]int64 `json:"rows_deleted"`
		WorkflowsDeleted    int              `json:"workflows_deleted"`
	}
	start := time.Now()
	first200 := true
	for {
		st, _, raw := s.adminRaw(http.MethodDelete, "/api/v1/customers/"+customer, nil)
		if st == http.StatusOK {
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatal(err)
			}
			break
		}
		if st != http.StatusAccepted || time.Since(start) > 2*time.Minute {
			t.Fatalf("DELETE: %d %s", st, raw)
		}
		first200 = false
	}
	t.Logf("erased in %s: %+v", time.Since(start).Round(time.Millisecond), res)
	if res.Status != "erased" || strings.Contains(res.ErasureID, customer[1:]) || strings.Contains(res.Customer, customer[1:]) {
		t.Fatalf("answer: %+v", res)
	}
	if first200 && (res.ConversationsClosed != 2 || res.WorkflowsDeleted < 3 || res.RowsDeleted["messages"] < 3 || res.RowsDeleted["conversations"] != 3) {
		t.Errorf("erasure counts: %+v", res)
	}

	// Temporal: the CLI lists nothing for the customer (deletion is asynchronous).
	root, _ := devenv.ProjectRoot()
	cli, err := devenv.EnsureTemporalCLI(context.Background(), root, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	list := func(query string) string {
		out, err := exec.Command(cli, "workflow", "list", "--address", temporalAddr, "--namespace", s.cfg.TemporalNamespace,
			"--query", query, "--output", "json").CombinedOutput()
		if err != nil {
			t.Fatalf("temporal workflow list: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	listed := func(query string) []map[string]any {
		var out []map[string]any
		if err := json.Unmarshal([]byte(list(query)), &out); err != nil {
			t.Fatalf("temporal workflow list output: %v", err)
		}
		return out
	}
	eventually(t, 30*time.Second, "temporal workflow list to find nothing for the customer", func() bool {
		return len(listed("SbCustomer = '"+customer+"'")) == 0
	})
	if out := list("SbCustomer = '" + other + "'"); !strings.Contains(out, otherConv.WorkflowID) {
		t.Errorf("the other customer's workflow is gone from Temporal: %s", out)
	}
	if n := len(listed("WorkflowId = '" + first.WorkflowID + "'")); n != 0 {
		t.Errorf("the customer's workflow id still lists %d executions", n)
	}

	// PostgreSQL: nothing left about them, the other customer intact.
	var after exportBody
	s.admin(http.MethodGet, "/api/v1/customers/"+encoded+"/export", nil, http.StatusOK, &after)
	for table, rows := range after.Postgres {
		if len(rows) != 0 {
			t.Errorf("%s still holds %d rows about the customer", table, len(rows))
		}
	}
	if len(after.Temporal.Executions) != 0 {
		t.Errorf("Temporal still lists %d executions", len(after.Temporal.Executions))
	}
	var kept exportBody
	s.admin(http.MethodGet, "/api/v1/customers/%2B"+other[1:]+"/export", nil, http.StatusOK, &kept)
	if len(kept.Postgres["conversations"]) != 1 || len(kept.Postgres["messages"]) == 0 {
		t.Errorf("the other customer lost data: %d conversations, %d messages", len(kept.Postgres["conversations"]), len(kept.Postgres["messages"]))
	}
	// Nothing was sent to the erased customer while closing.
	for _, m := range s.emu.Messages()[sentBefore:] {
		if strings.Contains(m.To, customer) {
			t.Errorf("a message went to the erased customer while closing: %q", m.Body)
		}
	}

	// The audit log: the erasure and the exports, by fingerprint.
	_, _, raw := s.adminRaw(http.MethodGet, "/api/v1/audit-log?resource_type=customer", nil)
	if strings.Contains(string(raw), customer[1:]) || !strings.Contains(string(raw), `"action":"erase"`) ||
		!strings.Contains(string(raw), `"action":"export"`) || !strings.Contains(string(raw), res.Customer) {
		t.Errorf("audit log: %s", raw)
	}
	if st, _, _ := s.adminRaw(http.MethodDelete, "/api/v1/customers/0612345678", nil); st != http.StatusBadRequest {
		t.Errorf("a number that is not E.164: %d", st)
	}
}
