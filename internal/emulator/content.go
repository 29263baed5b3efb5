package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// contentBase is where Twilio's Content API lives; the URLs the emulator
// returns point there, as Twilio's do (clients send *.twilio.com to the
// emulator).
const contentBase = "https://content.twilio.com/v1"

// Content is a Content API template with its WhatsApp approval, as
// GET /v1/ContentAndApprovals lists it.
type Content struct {
	SID             string            // HX + 32 hex; generated when empty
	FriendlyName    string            // e.g. "order_update"
	Language        string            // e.g. "en", "fr", "pt_BR"
	Body            string            // the twilio/text body, with {{1}}… placeholders
	Variables       map[string]string // sample values: {"1": "Marie"}
	Category        string            // UTILITY, MARKETING, AUTHENTICATION (any case)
	Status          string            // approved, pending, rejected, paused, … ("" = unsubmitted)
	RejectionReason string
	// Kind is the content type ("" or twilio/text: Body alone); quick
	// replies and list pickers have Options, list pickers a Button.
	Kind    string
	Button  string
	Options []ContentOption
	created time.Time
	updated time.Time
}

// AddContent adds a content item to an account, or replaces the one with the
// same SID (its creation date is kept), as editing it in the console would.
func (e *Emulator) AddContent(accountSID string, c Content) {
	if c.SID == "" {
		c.SID = newSID("HX")
	}
	c.Variables = maps.Clone(c.Variables)
	c.Options = slices.Clone(c.Options)
	now := time.Now().UTC().Truncate(time.Second)
	c.created, c.updated = now, now
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.contents == nil {
		e.contents = map[string][]Content{}
	}
	list := e.contents[accountSID]
	for i, old := range list {
		if old.SID == c.SID {
			c.created = old.created
			list[i] = c
			return
		}
	}
	e.contents[accountSID] = append(list, c)
}

const (
	contentDefaultPageSize = 50
	contentMaxPageSize     = 1000
)

// handleContentAndApprovals serves GET /v1/ContentAndApprovals: the account
// of the basic-auth credentials, paged with PageSize and PageToken.
func (e *Emulator) handleContentAndApprovals(w http.ResponseWriter, r *http.Request) {
	acct, ok := e.authenticateAccount(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	size := contentDefaultPageSize
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > contentMaxPageSize {
			writeError(w, http.StatusBadRequest, 20001, "Invalid PageSize")
			return
		}
		size = n
	}
	offset := 0
	if tok := q.Get("PageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "PT"))
		if !strings.HasPrefix(tok, "PT") || err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, 20001, "Invalid PageToken")
			return
		}
		offset = n
	}
	e.mu.Lock()
	all := e.contents[acct]
	page := make([]map[string]any, 0, size)
	for i := offset; i < len(all) && i < offset+size; i++ {
		page = append(page, contentResource(acct, all[i]))
	}
	total := len(all)
	e.mu.Unlock()

	pageURL := func(off int) string {
		v := url.Values{"PageSize": {strconv.Itoa(size)}, "Page": {strconv.Itoa(off / size)}}
		if off > 0 {
			v.Set("PageToken", "PT"+strconv.Itoa(off))
		}
		return contentBase + "/ContentAndApprovals?" + v.Encode()
	}
	meta := map[string]any{
		"page": offset / size, "page_size": size, "key": "contents",
		"first_page_url": pageURL(0), "url": pageURL(offset),
		"next_page_url": nil, "previous_page_url": nil,
	}
	if offset+size < total {
		meta["next_page_url"] = pageURL(offset + size)
	}
	if offset > 0 {
		meta["previous_page_url"] = pageURL(max(offset-size, 0))
	}
	writeJSON(w, http.StatusOK, map[string]any{"contents": page, "meta": meta})
}

// contentResource renders a content item as Twilio does.
func contentResource(acct string, c Content) map[string]any {
	vars := map[string]any{}
	for k, v := range c.Variables {
		vars[k] = v
	}
	kind := c.Kind
	if kind == "" {
		kind = TypeText
	}
	approval := map[string]any{
		"name": c.FriendlyName, "category": strings.ToUpper(c.Category), "content_type": kind,
		"status": c.Status, "rejection_reason": c.RejectionReason, "allow_category_change": true,
	}
	if c.Status == "" {
		approval["status"] = "unsubmitted"
	}
	return map[string]any{
		"sid": c.SID, "account_sid": acct, "friendly_name": c.FriendlyName, "language": c.Language,
		"variables":         vars,
		"types":             map[string]any{kind: contentTypeBody(c)},
		"approval_requests": approval,
		"url":               contentBase + "/Content/" + c.SID,
		"links": map[string]any{
			"approval_fetch":  contentBase + "/Content/" + c.SID + "/ApprovalRequests",
			"approval_create": contentBase + "/Content/" + c.SID + "/ApprovalRequests/whatsapp",
		},
		"date_created": c.created.Format(time.RFC3339),
		"date_updated": c.updated.Format(time.RFC3339),
	}
}

// authenticateAccount checks basic auth for APIs whose path carries no
// account (the Content API): the credentials name it.
func (e *Emulator) authenticateAccount(w http.ResponseWriter, r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	token, known := e.token(user)
	if !ok || !known || !constantTimeEqual(pass, token) {
		e.log.Warn("rejected credentials", "has_auth", ok)
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return "", false
	}
	return user, true
}

// contentJSON is the body of POST /emulator/content.
type contentJSON struct {
	AccountSID      string            `json:"account_sid"`
	SID             string            `json:"sid"`
	FriendlyName    string            `json:"friendly_name"`
	Language        string            `json:"language"`
	Body            string            `json:"body"`
	Variables       map[string]string `json:"variables"`
	Category        string            `json:"category"`
	Status          string            `json:"status"`
	RejectionReason string            `json:"rejection_reason"`
}

// handleControlContent serves POST /emulator/content: AddContent over HTTP,
// to try the template sync in dev. An existing sid is replaced.
func (e *Emulator) handleControlContent(w http.ResponseWriter, r *http.Request) {
	var in contentJSON
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{"invalid JSON: " + err.Error()})
		return
	}
	if _, known := e.token(in.AccountSID); !known {
		writeJSON(w, http.StatusBadRequest, controlError{"unknown account_sid"})
		return
	}
	if in.SID == "" {
		in.SID = newSID("HX")
	}
	e.AddContent(in.AccountSID, Content{SID: in.SID, FriendlyName: in.FriendlyName, Language: in.Language, Body: in.Body,
		Variables: in.Variables, Category: in.Category, Status: in.Status, RejectionReason: in.RejectionReason})
	writeJSON(w, http.StatusCreated, map[string]string{"sid": in.SID})
}

// contentTypeBody renders a content item's type object as Twilio does.
func contentTypeBody(c Content) map[string]any {
	switch c.Kind {
	case TypeQuickReply:
		actions := []map[string]any{}
		for _, o := range c.Options {
			actions = append(actions, map[string]any{"title": o.Title, "id": o.ID})
		}
		return map[string]any{"body": c.Body, "actions": actions}
	case TypeListPicker:
		items := []map[string]any{}
		for _, o := range c.Options {
			items = append(items, map[string]any{"item": o.Title, "id": o.ID, "description": o.Description})
		}
		return map[string]any{"body": c.Body, "button": c.Button, "items": items}
	}
	return map[string]any{"body": c.Body}
}
