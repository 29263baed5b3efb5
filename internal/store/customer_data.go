package store

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// customerTable is one table that holds data about a customer.
type customerTable struct {
	Table string
	// Where selects the customer's rows of Table (unqualified columns);
	// $1 is the customer's E.164 number.
	Where string
}

// conversationsOfCustomer selects the customer's conversations.
const conversationsOfCustomer = `(SELECT c.id FROM conversations c WHERE c.customer_e164 = $1)`

// customerTables is the registry of customer data: every table that holds
// something about a customer, in the order erasure deletes them (rows that
// refer to others first). Erasure (EraseCustomer) and export
// (ExportCustomer) both walk it, and TestEveryTableIsClassified fails for a
// table that is neither here nor in notCustomerData: a feature that adds a
// table must say which it is.
var customerTables = []customerTable{
	// Answers kept 24 h for Idempotency-Key retries: a start's answer names
	// the customer, a send's route names the conversation.
	{"idempotency_keys", `(body IS NOT NULL AND position(convert_to($1, 'UTF8') IN body) > 0) OR
		EXISTS (SELECT 1 FROM conversations c WHERE c.customer_e164 = $1 AND t.route LIKE '% id=' || c.id::text)`},
	{"message_status_events", `twilio_sid IN (SELECT m.twilio_sid FROM messages m
		WHERE m.twilio_sid IS NOT NULL AND m.conversation_id IN ` + conversationsOfCustomer + `)`},
	{"agent_events", `conversation_id IN ` + conversationsOfCustomer},
	// The transcript's system events (service-level escalations).
	{"conversation_events", `conversation_id IN ` + conversationsOfCustomer},
	{"supervisor_events", `conversation_id IN ` + conversationsOfCustomer},
	{"conversation_labels", `conversation_id IN ` + conversationsOfCustomer},
	{"assignment_outbox", `conversation_id IN ` + conversationsOfCustomer},
	// What the reports count of the customer's conversations: erased with
	// them, so an erasure takes them out of the figures too.
	{"report_facts", `conversation_id IN ` + conversationsOfCustomer},
	// Files agents sent the customer (their bytes).
	{"outbound_media", `conversation_id IN ` + conversationsOfCustomer},
	// Follow-ups that outlived their conversation (the template and its
	// variables, the number): their Followup workflows are ended by the
	// erasure workflow (workflows/erasure).
	{"scheduled_followups", `customer_e164 = $1 OR conversation_id IN ` + conversationsOfCustomer},
	{"messages", `conversation_id IN ` + conversationsOfCustomer},
	{"routing_inputs", `conversation_id IN ` + conversationsOfCustomer}, // what routing read: number, name, message
	// The webhook's copy of each message, with the number in its workflow id.
	{"inbound_inbox", `workflow_id = 'conv:' || number_id::text || ':' || $1`},
	{"conversations", `customer_e164 = $1`},
	{"contacts", `e164 = $1`},
	// What each account knows about the customer (display name, CRM id,
	// attributes, notes).
	{"customer_profiles", `e164 = $1`},
	// Campaigns (docs/campaigns.md): the messages sent to the customer, the
	// opt-out (with its time and source) and Twilio's verdict on the number.
	{"campaign_recipients", `to_e164 = $1`},
	{"opt_outs", `e164 = $1`},
	{"undeliverable_numbers", `e164 = $1`},
}

// notCustomerData lists the tables that hold nothing about a customer, each
// with why.
var notCustomerData = map[string]string{
	"accounts":             "the business's Twilio accounts",
	"numbers":              "the business's WhatsApp senders",
	"queues":               "configuration",
	"workstreams":          "configuration",
	"routing_rules":        "configuration (a rule may name a number an admin typed: an admin edits it)",
	"agents":               "the business's staff",
	"agent_queues":         "configuration",
	"templates":            "configuration",
	"template_variants":    "configuration",
	"audit_log":            "admin changes; an erasure is recorded by a fingerprint of the number, never the number",
	"goose_db_version":     "migrations",
	"sender_slots":         "the pace of the business's senders (account and sender number, no customer)",
	"agent_presence_log":   "the staff's presence changes (the agents report)",
	"sla_policies":         "configuration (service-level targets and escalation ladders)",
	"quick_replies":        "configuration (canned answers; placeholders are filled in when an agent inserts one)",
	"labels":               "configuration",
	"routing_rule_labels":  "configuration",
	"campaigns":            "the business's campaigns (their recipients are in campaign_recipients)",
	"opt_out_keywords":     "configuration",
	"interactive_contents": "a hash and Twilio's Content SID per distinct set of buttons or list; the text itself is kept with the message, which is customer data",
}

// CustomerDataTables lists the registry's tables (for tests and docs).
func CustomerDataTables() []string {
	out := make([]string, len(customerTables))
	for i, t := range customerTables {
		out[i] = t.Table
	}
	return out
}

// NotCustomerDataTables lists the tables classified as holding nothing about a customer.
func NotCustomerDataTables() map[string]string { return notCustomerData }

// CustomerExport is everything PostgreSQL holds about one customer: each
// registry table's rows, as the database has them.
type CustomerExport map[string][]json.RawMessage

// ExportCustomer returns the customer's rows of every registry table, read
// in one snapshot.
func (s *Store) ExportCustomer(ctx context.Context, e164 string) (CustomerExport, error) {
	if !domain.ValidE164(e164) {
		return nil, domain.Errorf(domain.CodeInvalid, "not an E.164 number")
	}
	out := CustomerExport{}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`); err != nil {
			return err
		}
		for _, t := range customerTables {
			var rows []json.RawMessage
			var raw []byte
			if err := tx.GetContext(ctx, &raw, `SELECT COALESCE(json_agg(t), '[]') FROM `+t.Table+` t WHERE `+t.Where, e164); err != nil {
				return err
			}
			if err := json.Unmarshal(raw, &rows); err != nil {
				return err
			}
			out[t.Table] = rows
		}
		return nil
	})
	return out, err
}

// EraseCustomer deletes the customer's rows of every registry table, in one
// transaction, and says how many per table, in the registry's order. Safe
// to run twice: the second run deletes nothing.
func (s *Store) EraseCustomer(ctx context.Context, e164 string) ([]domain.TableRows, error) {
	if !domain.ValidE164(e164) {
		return nil, domain.Errorf(domain.CodeInvalid, "not an E.164 number")
	}
	var out []domain.TableRows
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		out = make([]domain.TableRows, 0, len(customerTables))
		for _, t := range customerTables {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+t.Table+` t WHERE `+t.Where, e164)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			out = append(out, domain.TableRows{Table: t.Table, Rows: n})
		}
		return nil
	})
	return out, err
}

// ConversationWorkflowIDs lists the workflow ids a customer's conversations
// have or had: one per number, deleted numbers included.
func (s *Store) ConversationWorkflowIDs(ctx context.Context, e164 string) ([]string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `SELECT 'conv:' || id::text || ':' || $1 FROM numbers ORDER BY id`, e164)
	return ids, err
}
