package domain

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// QuickReply is a canned answer agents insert from the console. Text may
// hold placeholders such as {{customer.name}}, filled in for the
// conversation it is sent in. A reply with a WorkstreamID is offered only to
// agents who work a queue of that workstream.
type QuickReply struct {
	ID           string    `json:"id" db:"id"`
	Title        string    `json:"title" db:"title"`
	Shortcut     string    `json:"shortcut" db:"shortcut"`
	Text         string    `json:"text" db:"text"`
	WorkstreamID *string   `json:"workstream_id" db:"workstream_id"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" db:"updated_at"`
}

// Quick reply placeholders.
const (
	PlaceholderCustomerName       = "customer.name"
	PlaceholderCustomerFirstName  = "customer.first_name"
	PlaceholderCustomerPhone      = "customer.phone"
	PlaceholderCustomerExternalID = "customer.external_id"
	PlaceholderAgentName          = "agent.name"
	PlaceholderAgentFirstName     = "agent.first_name"
)

// QuickReplyPlaceholders are the placeholders a quick reply may use.
var QuickReplyPlaceholders = []string{
	PlaceholderCustomerName, PlaceholderCustomerFirstName, PlaceholderCustomerPhone,
	PlaceholderCustomerExternalID, PlaceholderAgentName, PlaceholderAgentFirstName,
}

// quickReplyPlaceholderRE matches {{ name }}; the name is letters, digits, dots and
// underscores, spaces inside the braces are allowed.
var quickReplyPlaceholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.]+)\s*\}\}`)

// UnknownPlaceholders lists the placeholders of text that are not in
// QuickReplyPlaceholders, each once, in the order they appear.
func UnknownPlaceholders(text string) []string {
	var out []string
	for _, m := range quickReplyPlaceholderRE.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(QuickReplyPlaceholders, m[1]) && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// RenderQuickReply fills text's placeholders from values; a known
// placeholder without a value becomes empty (an agent reads the result
// before sending it), an unknown one stays as written.
func RenderQuickReply(text string, values map[string]string) string {
	out := quickReplyPlaceholderRE.ReplaceAllStringFunc(text, func(p string) string {
		name := quickReplyPlaceholderRE.FindStringSubmatch(p)[1]
		if !slices.Contains(QuickReplyPlaceholders, name) {
			return p
		}
		return values[name]
	})
	return out
}

// PlaceholderValues are the values of the placeholders for a customer
// (the name the business knows, else WhatsApp's) and an agent.
func PlaceholderValues(customerName, customerE164, externalID, agentName string) map[string]string {
	return map[string]string{
		PlaceholderCustomerName:       customerName,
		PlaceholderCustomerFirstName:  firstWord(customerName),
		PlaceholderCustomerPhone:      customerE164,
		PlaceholderCustomerExternalID: externalID,
		PlaceholderAgentName:          agentName,
		PlaceholderAgentFirstName:     firstWord(agentName),
	}
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Label is a tag on conversations; Color is #rrggbb.
type Label struct {
	ID        string    `json:"id" db:"id"`
	Name      string    `json:"name" db:"name"`
	Color     string    `json:"color" db:"color"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
}

// LabelRef is a label as shown on a conversation.
type LabelRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// NormalizeColor checks a #rrggbb color and lower-cases it.
func NormalizeColor(c string) (string, bool) {
	c = strings.TrimSpace(c)
	if !colorRE.MatchString(c) {
		return "", false
	}
	return strings.ToLower(c), true
}

// LabelRefs are a conversation's labels, read from JSON.
type LabelRefs []LabelRef

// Scan reads LabelRefs from JSON.
func (l *LabelRefs) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = LabelRefs{}
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("labels: cannot scan %T", src)
	}
	out := LabelRefs{}
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	*l = out
	return nil
}
