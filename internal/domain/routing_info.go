package domain

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// Routing is why a conversation is in its queue: the rule that matched (or
// the workstream's default) and a sentence operators can read.
type Routing struct {
	RuleID   string          `json:"rule_id,omitempty"`
	RuleName string          `json:"rule_name,omitempty"`
	QueueID  string          `json:"queue_id"`
	Skills   []SkillRequired `json:"skills,omitempty"`
	Priority int             `json:"priority"`
	Reason   string          `json:"reason"`
	// By says who sent it there when it was not the rules: "transfer:<who>".
	By string `json:"by,omitempty"`
}

// Value stores Routing as JSON.
func (r Routing) Value() (driver.Value, error) { return json.Marshal(r) }

// Scan reads Routing from JSON.
func (r *Routing) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(v, r)
	case string:
		return json.Unmarshal([]byte(v), r)
	}
	return fmt.Errorf("routing: cannot scan %T", src)
}
