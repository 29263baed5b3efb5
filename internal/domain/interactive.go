package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Interactive is a message the customer answers with a tap: quick-reply
// buttons or a list picker, sent inside the 24-hour window (Twilio's
// Content API types twilio/quick-reply and twilio/list-picker, which
// need no approval in a session). The tap comes back as an inbound
// message's Button.
type Interactive struct {
	Type    string              `json:"type"` // InteractiveButtons or InteractiveList
	Body    string              `json:"body"`
	Button  string              `json:"button,omitempty"` // the list's opening button; lists only
	Options []InteractiveOption `json:"options"`
}

// InteractiveOption is one button or list item. ID comes back as the
// tap's payload.
type InteractiveOption struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"` // list items only
}

// Interactive types.
const (
	InteractiveButtons = "buttons"
	InteractiveList    = "list"
)

// WhatsApp's limits on session interactive messages (Twilio's Content API
// docs for twilio/quick-reply and twilio/list-picker).
const (
	MaxInteractiveButtons     = 3
	MaxInteractiveListItems   = 10
	MaxInteractiveBody        = 1024
	MaxInteractiveButtonTitle = 20
	MaxInteractiveListTitle   = 24
	MaxInteractiveDescription = 72
	MaxInteractiveListButton  = 20
	MaxInteractiveID          = 200
)

// Validate refuses what WhatsApp would not show, naming the field:
// CodeUnsendable (422).
func (in Interactive) Validate() error {
	bad := func(format string, args ...any) error {
		return Errorf(CodeUnsendable, "interactive."+format, args...)
	}
	maxOptions, maxTitle := MaxInteractiveButtons, MaxInteractiveButtonTitle
	switch in.Type {
	case InteractiveButtons:
		if in.Button != "" {
			return bad("button: only lists have a button (buttons show their options' titles)")
		}
	case InteractiveList:
		maxOptions, maxTitle = MaxInteractiveListItems, MaxInteractiveListTitle
		switch n := utf8.RuneCountInString(in.Button); {
		case strings.TrimSpace(in.Button) == "":
			return bad("button: a list needs the text of the button that opens it")
		case n > MaxInteractiveListButton:
			return bad("button: %d characters, WhatsApp takes at most %d", n, MaxInteractiveListButton)
		}
	default:
		return bad("type: %q is neither %q nor %q", in.Type, InteractiveButtons, InteractiveList)
	}
	switch n := utf8.RuneCountInString(in.Body); {
	case strings.TrimSpace(in.Body) == "":
		return bad("body: required")
	case n > MaxInteractiveBody:
		return bad("body: %d characters, WhatsApp takes at most %d", n, MaxInteractiveBody)
	}
	switch {
	case len(in.Options) == 0:
		return bad("options: at least one is required")
	case len(in.Options) > maxOptions && in.Type == InteractiveButtons:
		return bad("options: %d buttons, WhatsApp takes at most %d in a session (use a list for more)", len(in.Options), maxOptions)
	case len(in.Options) > maxOptions:
		return bad("options: %d items, a list takes at most %d", len(in.Options), maxOptions)
	}
	seen := map[string]bool{}
	for i, o := range in.Options {
		switch n := utf8.RuneCountInString(o.Title); {
		case strings.TrimSpace(o.ID) == "":
			return bad("options[%d].id: required (it comes back as the tap's payload)", i)
		case len(o.ID) > MaxInteractiveID:
			return bad("options[%d].id: %d bytes, at most %d", i, len(o.ID), MaxInteractiveID)
		case seen[o.ID]:
			return bad("options[%d].id: %q is used twice", i, o.ID)
		case strings.TrimSpace(o.Title) == "":
			return bad("options[%d].title: required", i)
		case n > maxTitle:
			return bad("options[%d].title: %d characters, WhatsApp takes at most %d for a %s", i, n, maxTitle, map[string]string{InteractiveButtons: "button", InteractiveList: "list item"}[in.Type])
		case o.Description != "" && in.Type == InteractiveButtons:
			return bad("options[%d].description: only list items have a description", i)
		case utf8.RuneCountInString(o.Description) > MaxInteractiveDescription:
			return bad("options[%d].description: %d characters, WhatsApp takes at most %d", i, utf8.RuneCountInString(o.Description), MaxInteractiveDescription)
		}
		seen[o.ID] = true
	}
	return nil
}

// ContentType is the Twilio Content API type that carries in.
func (in Interactive) ContentType() string {
	if in.Type == InteractiveList {
		return "twilio/list-picker"
	}
	return "twilio/quick-reply"
}

// Hash identifies the content: the same message sent twice reuses the
// Content SID created the first time (per account).
func (in Interactive) Hash() string {
	b, _ := json.Marshal(in) // struct fields in declaration order: stable
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Text is the message as the transcript keeps it: the body and the
// options offered.
func (in Interactive) Text() string {
	var b strings.Builder
	b.WriteString(in.Body)
	for _, o := range in.Options {
		b.WriteString("\n[" + o.Title + "]")
	}
	return b.String()
}

// Offers reports whether in has an option with this id (a tap's payload).
func (in Interactive) Offers(id string) bool {
	for _, o := range in.Options {
		if o.ID == id {
			return true
		}
	}
	return false
}
