package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// Report fact kinds: one per conversation transition the reports count
// (docs/supervisor-reports.md). Each is written in the transaction of the
// transition it records, under its natural key, so a retried activity
// writes it once.
const (
	FactBot           = "bot"               // the conversation started with the bot (key "")
	FactQueued        = "queued"            // entered a queue (key: the dispatcher's stamp)
	FactAssigned      = "assigned"          // given to an agent (key: the assignment's outbox row)
	FactTransferred   = "transferred"       // moved to another queue or agent (key: the dispatcher's stamp)
	FactFirstReply    = "first_agent_reply" // the first message an agent wrote (key "")
	FactClosed        = "closed"            // closed, with its reason (key "")
	FactSurveyAsked   = "survey_asked"      // the survey question went out (key "")
	FactSurveyScore   = "survey_score"      // the customer's 1–5 answer (key "")
	FactMessageIn     = "message_in"        // a customer message (key: message id)
	FactMessageOut    = "message_out"       // a message we sent (key: message id)
	FactTemplateSent  = "template_sent"     // an approved template sent (key: message id)
	FactWindowExpired = "window_expired"    // the session became template_only (key: the workflow's event key)
	FactSendFailed    = "send_failed"       // Twilio refused or failed a message (key: message id)
	FactSLAMet        = "sla_met"           // a service-level target met in time (key: target/started; detail: target)
	FactSLABreached   = "sla_breached"      // a service-level target missed (key: target/started; detail: target)
)

// Fact is one report fact of a conversation.
type Fact struct {
	Kind    string
	Key     string
	At      *time.Time // nil: the transaction's now()
	QueueID string
	AgentID string
	Value   int
	Detail  string
}

// AddFact records a report fact inside tx; a fact already recorded under
// the same (conversation, kind, key) is left as it is.
func AddFact(ctx context.Context, tx sqlx.ExecerContext, conversationID string, f Fact) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO report_facts (conversation_id, kind, key, at, queue_id, agent_id, value, detail)
		VALUES ($1, $2, $3, COALESCE($4::timestamptz, now()), $5, $6, NULLIF($7, 0), NULLIF($8, ''))
		ON CONFLICT DO NOTHING`,
		conversationID, f.Kind, f.Key, f.At, nullUUID(f.QueueID), nullUUID(f.AgentID), f.Value, f.Detail)
	if err != nil {
		return fmt.Errorf("report fact %s: %w", f.Kind, err)
	}
	return nil
}

// conversationFacts records what a save of the conversation row tells the
// reports: the bot, the close and its reason, the survey, the window.
func conversationFacts(ctx context.Context, tx *sqlx.Tx, c domain.ConversationRecord, at *time.Time) error {
	var facts []Fact
	if c.State == domain.StateBot {
		facts = append(facts, Fact{Kind: FactBot})
	}
	if c.CloseReason != "" {
		facts = append(facts, Fact{Kind: FactClosed, Detail: c.CloseReason})
	}
	if c.State == domain.StateSurvey {
		facts = append(facts, Fact{Kind: FactSurveyAsked})
	}
	if c.SurveyScore > 0 {
		facts = append(facts, Fact{Kind: FactSurveyScore, Value: c.SurveyScore})
	}
	if c.Event == domain.EventWindowClosed {
		facts = append(facts, Fact{Kind: FactWindowExpired, Key: c.EventKey})
	}
	for _, f := range facts {
		f.At = at
		if err := AddFact(ctx, tx, c.ID, f); err != nil {
			return err
		}
	}
	return slaFacts(ctx, tx, c)
}

// slaFacts records each service-level target that ended, met or breached:
// once per target and cycle (a next-response cycle is named by its start).
func slaFacts(ctx context.Context, tx *sqlx.Tx, c domain.ConversationRecord) error {
	if c.SLA == nil {
		return nil
	}
	for i, t := range c.SLA.Targets() {
		if t == nil || (t.Status != domain.SLAMet && t.Status != domain.SLABreached) {
			continue
		}
		name := domain.SLATargets[i]
		f := Fact{Kind: FactSLABreached, Key: name + "/" + t.StartedAt.UTC().Format(time.RFC3339Nano), Detail: name}
		at := t.DueAt
		if t.Status == domain.SLAMet {
			f.Kind = FactSLAMet
			if t.MetAt != nil {
				at = *t.MetAt
			}
		}
		f.At = &at
		if err := AddFact(ctx, tx, c.ID, f); err != nil {
			return err
		}
	}
	return nil
}

// outboundFacts records a message we send: out, a template, an agent's
// first reply.
func outboundFacts(ctx context.Context, tx *sqlx.Tx, m domain.Message, at time.Time) error {
	facts := []Fact{{Kind: FactMessageOut, Key: m.ID}}
	if m.Template != nil {
		facts = append(facts, Fact{Kind: FactTemplateSent, Key: m.ID})
	}
	if agentID, ok := domain.AuthorAgentID(m.Author); ok && validUUID(agentID) {
		facts = append(facts, Fact{Kind: FactFirstReply, AgentID: agentID, Detail: m.ID})
	}
	for _, f := range facts {
		f.At = &at
		if err := AddFact(ctx, tx, m.ConversationID, f); err != nil {
			return err
		}
	}
	return nil
}
