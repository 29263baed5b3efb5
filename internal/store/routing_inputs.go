package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard/switchboard/internal/domain"
)

// recordRoutingInput keeps what the rules read and chose when they routed
// the conversation. The first recording stands: the activity that writes
// it may run again (a worker killed after the commit) and a conversation
// is routed by the rules once.
func recordRoutingInput(ctx context.Context, tx *sqlx.Tx, conversationID string, in domain.RoutingInput) error {
	f := in.Facts
	_, err := tx.ExecContext(ctx, `
		INSERT INTO routing_inputs (conversation_id, workstream_id, rules_version, routed_at,
			customer_e164, customer_country_code, profile_name, message_body, channel_e164,
			default_queue_id, rule_id, rule_name, queue_id, button_payload, campaign_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (conversation_id) DO NOTHING`,
		conversationID, in.WorkstreamID, in.RulesVersion, in.RoutedAt,
		f.CustomerE164, f.CustomerCountryCode, f.ProfileName, f.MessageBody, f.ChannelE164,
		nullUUID(in.DefaultQueueID), nullUUID(in.RuleID), in.RuleName, nullUUID(in.QueueID), f.ButtonPayload, f.CampaignID)
	return err
}

type routingInputRow struct {
	ConversationID      string    `db:"conversation_id"`
	WorkstreamID        string    `db:"workstream_id"`
	RulesVersion        int       `db:"rules_version"`
	RoutedAt            time.Time `db:"routed_at"`
	CustomerE164        string    `db:"customer_e164"`
	CustomerCountryCode string    `db:"customer_country_code"`
	ProfileName         string    `db:"profile_name"`
	MessageBody         string    `db:"message_body"`
	ButtonPayload       string    `db:"button_payload"`
	CampaignID          string    `db:"campaign_id"`
	ChannelE164         string    `db:"channel_e164"`
	DefaultQueueID      string    `db:"default_queue_id"`
	RuleID              string    `db:"rule_id"`
	RuleName            string    `db:"rule_name"`
	QueueID             string    `db:"queue_id"`
}

func (r routingInputRow) input() domain.RoutingInput {
	return domain.RoutingInput{
		ConversationID: r.ConversationID, WorkstreamID: r.WorkstreamID, RulesVersion: r.RulesVersion,
		RoutedAt: r.RoutedAt.UTC(),
		Facts: domain.RoutingFacts{
			CustomerE164: r.CustomerE164, CustomerCountryCode: r.CustomerCountryCode,
			ProfileName: r.ProfileName, MessageBody: r.MessageBody, ChannelE164: r.ChannelE164, ButtonPayload: r.ButtonPayload,
			CampaignID: r.CampaignID,
		},
		DefaultQueueID: r.DefaultQueueID, RuleID: r.RuleID, RuleName: r.RuleName, QueueID: r.QueueID,
	}
}

// routingInputPage is how many recorded routings one query reads: a
// period of any length is walked page by page, never held whole.
const routingInputPage = 500

// EachRoutingInput calls fn with every routing the rules of a workstream
// made in [from, to), oldest first (then by conversation id), reading a
// page at a time (keyset on the period index). An unknown workstream is
// NOT_FOUND. fn's error stops the walk and is returned.
func (s *Store) EachRoutingInput(ctx context.Context, workstreamID string, from, to time.Time, fn func(domain.RoutingInput) error) error {
	if _, err := s.GetWorkstream(ctx, workstreamID); err != nil {
		return err
	}
	// The nil UUID is no conversation's id: the first page starts at from.
	afterAt, afterID := from, "00000000-0000-0000-0000-000000000000"
	for {
		var rows []routingInputRow
		err := s.db.SelectContext(ctx, &rows, `
			SELECT conversation_id, workstream_id, rules_version, routed_at,
				customer_e164, customer_country_code, profile_name, message_body, channel_e164,
				COALESCE(default_queue_id::text, '') AS default_queue_id,
				COALESCE(rule_id::text, '') AS rule_id, rule_name,
				COALESCE(queue_id::text, '') AS queue_id, button_payload, campaign_id
			FROM routing_inputs
			WHERE workstream_id = $1 AND routed_at < $2
				AND (routed_at, conversation_id) > ($3, $4::uuid)
			ORDER BY routed_at, conversation_id
			LIMIT $5`, workstreamID, to, afterAt, afterID, routingInputPage)
		if err != nil {
			return fmt.Errorf("read routing inputs: %w", err)
		}
		for _, r := range rows {
			if err := fn(r.input()); err != nil {
				return err
			}
		}
		if len(rows) < routingInputPage {
			return nil
		}
		last := rows[len(rows)-1]
		afterAt, afterID = last.RoutedAt, last.ConversationID
	}
}
