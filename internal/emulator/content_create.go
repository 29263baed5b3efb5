package emulator

import (
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// Interactive content (Twilio's Content API types twilio/quick-reply and
// twilio/list-picker) sent inside a session: created with POST /v1/Content,
// sent with its ContentSid, rendered by the phone page as buttons or a list
// whose tap comes back as an inbound webhook with ButtonText, ButtonPayload
// and OriginalRepliedMessageSid.

// Content types the emulator creates.
const (
	TypeText       = "twilio/text"
	TypeQuickReply = "twilio/quick-reply"
	TypeListPicker = "twilio/list-picker"
)

// ContentOption is one quick-reply button or list item.
type ContentOption struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type contentCreateJSON struct {
	FriendlyName string                     `json:"friendly_name"`
	Language     string                     `json:"language"`
	Variables    map[string]string          `json:"variables"`
	Types        map[string]json.RawMessage `json:"types"`
}

type quickReplyJSON struct {
	Body    string `json:"body"`
	Actions []struct {
		Title string `json:"title"`
		ID    string `json:"id"`
	} `json:"actions"`
}

type listPickerJSON struct {
	Body   string `json:"body"`
	Button string `json:"button"`
	Items  []struct {
		Item        string `json:"item"`
		ID          string `json:"id"`
		Description string `json:"description"`
	} `json:"items"`
}

// handleContentCreate serves POST /v1/Content (JSON, basic auth): the
// account of the credentials gets a new content item, answered 201 with
// the Content resource. Limits are Twilio's for WhatsApp sessions.
func (e *Emulator) handleContentCreate(w http.ResponseWriter, r *http.Request) {
	acct, ok := e.authenticateAccount(w, r)
	if !ok {
		return
	}
	var in contentCreateJSON
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Invalid JSON body")
		return
	}
	c, msg := parseContent(in)
	if msg != "" {
		writeError(w, http.StatusBadRequest, 20001, msg)
		return
	}
	c.SID = newSID("HX")
	e.AddContent(acct, c)
	e.mu.Lock()
	var res map[string]any
	for _, it := range e.contents[acct] {
		if it.SID == c.SID {
			res = contentResource(acct, it)
		}
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, res)
}

func parseContent(in contentCreateJSON) (Content, string) {
	c := Content{FriendlyName: in.FriendlyName, Language: in.Language, Variables: in.Variables}
	if in.Language == "" {
		return c, "Language is required"
	}
	if len(in.Types) != 1 {
		return c, "Types must hold exactly one content type"
	}
	for kind, raw := range in.Types {
		c.Kind = kind
		switch kind {
		case TypeQuickReply:
			var q quickReplyJSON
			if err := json.Unmarshal(raw, &q); err != nil || q.Body == "" || len(q.Actions) == 0 {
				return c, "twilio/quick-reply needs a body and actions"
			}
			if len(q.Actions) > 3 {
				return c, "twilio/quick-reply in a WhatsApp session carries at most 3 actions"
			}
			c.Body = q.Body
			for _, a := range q.Actions {
				if a.Title == "" || utf8.RuneCountInString(a.Title) > 20 {
					return c, "quick-reply action titles are 1 to 20 characters"
				}
				c.Options = append(c.Options, ContentOption{ID: a.ID, Title: a.Title})
			}
		case TypeListPicker:
			var l listPickerJSON
			if err := json.Unmarshal(raw, &l); err != nil || l.Body == "" || l.Button == "" {
				return c, "twilio/list-picker needs a body and a button"
			}
			if len(l.Items) < 1 || len(l.Items) > 10 || utf8.RuneCountInString(l.Body) > 1024 {
				return c, "twilio/list-picker takes 1 to 10 items and a body of at most 1024 characters"
			}
			c.Body, c.Button = l.Body, l.Button
			for _, it := range l.Items {
				if it.Item == "" || utf8.RuneCountInString(it.Item) > 24 || it.ID == "" || len(it.ID) > 200 || utf8.RuneCountInString(it.Description) > 72 {
					return c, "list items: item 1 to 24 characters, id 1 to 200, description at most 72"
				}
				c.Options = append(c.Options, ContentOption{ID: it.ID, Title: it.Item, Description: it.Description})
			}
		case TypeText:
			var t struct {
				Body string `json:"body"`
			}
			if err := json.Unmarshal(raw, &t); err != nil || t.Body == "" {
				return c, "twilio/text needs a body"
			}
			c.Body = t.Body
		default:
			return c, "unsupported content type " + kind
		}
	}
	return c, ""
}
