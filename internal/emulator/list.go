package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// messageList is Twilio's JSON page of Messages.
type messageList struct {
	End             int               `json:"end"`
	FirstPageURI    string            `json:"first_page_uri"`
	Messages        []messageResource `json:"messages"`
	NextPageURI     *string           `json:"next_page_uri"`
	Page            int               `json:"page"`
	PageSize        int               `json:"page_size"`
	PreviousPageURI *string           `json:"previous_page_uri"`
	Start           int               `json:"start"`
	URI             string            `json:"uri"`
}

// handleList serves GET /2010-04-01/Accounts/{AccountSid}/Messages.json:
// the account's outbound messages (what the emulator accepted), newest
// first, filtered by To, From and DateSent (=, <, >: a message with no
// date_sent yet, still queued, matches no DateSent filter, as on Twilio),
// PageSize messages a page (default 50, at most 1000), paged with Page and
// PageToken as in next_page_uri.
func (e *Emulator) handleList(w http.ResponseWriter, r *http.Request) {
	acct, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, 20001, "PageSize must be between 1 and 1000")
			return
		}
		size = n
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	after := strings.TrimPrefix(q.Get("PageToken"), "PA") // the SID the previous page ended with
	match, err := listFilter(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, 20001, err.Error())
		return
	}

	e.mu.Lock()
	var out []messageResource
	more := false
	skipping := after != ""
	for i := len(e.messages) - 1; i >= 0; i-- { // newest first
		m := e.messages[i]
		if skipping {
			skipping = m.SID != after
			continue
		}
		if m.AccountSID != acct || !match(m) {
			continue
		}
		if len(out) == size {
			more = true
			break
		}
		out = append(out, e.resourceLocked(m))
	}
	e.mu.Unlock()

	base := "/2010-04-01/Accounts/" + acct + "/Messages.json"
	pageURI := func(page int, token string) string {
		v := url.Values{}
		for _, k := range []string{"To", "From", "DateSent", "DateSent<", "DateSent>"} {
			if q.Has(k) {
				v.Set(k, q.Get(k))
			}
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(page))
		if token != "" {
			v.Set("PageToken", token)
		}
		return base + "?" + v.Encode()
	}
	res := messageList{
		FirstPageURI: pageURI(0, ""), Messages: out, Page: page, PageSize: size,
		Start: page * size, URI: pageURI(page, q.Get("PageToken")),
	}
	if res.Messages == nil {
		res.Messages = []messageResource{}
	}
	res.End = res.Start + len(out) - 1
	if len(out) == 0 {
		res.End = res.Start
	}
	if more {
		next := pageURI(page+1, "PA"+out[len(out)-1].Sid)
		res.NextPageURI = &next
	}
	writeJSON(w, http.StatusOK, res)
}

// listFilter builds the To/From/DateSent filter of a list request.
func listFilter(q url.Values) (func(*message) bool, error) {
	to, from := bareNumber(q.Get("To")), bareNumber(q.Get("From"))
	type bound struct {
		op  string
		day time.Time
	}
	var bounds []bound
	for _, op := range []string{"", "<", ">"} {
		v := q.Get("DateSent" + op)
		if v == "" {
			continue
		}
		day, err := parseListDate(v)
		if err != nil {
			return nil, err
		}
		bounds = append(bounds, bound{op, day})
	}
	return func(m *message) bool {
		if to != "" && bareNumber(m.To) != to || from != "" && bareNumber(m.From) != from {
			return false
		}
		for _, b := range bounds {
			if m.dateSent.IsZero() {
				return false
			}
			sent := m.dateSent.UTC().Truncate(24 * time.Hour)
			switch {
			case b.op == "" && !sent.Equal(b.day),
				b.op == "<" && sent.After(b.day),
				b.op == ">" && sent.Before(b.day):
				return false
			}
		}
		return true
	}, nil
}

// parseListDate reads YYYY-MM-DD (Twilio's documented form) or RFC 3339
// (what twilio-go sends), as a UTC day.
func parseListDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC().Truncate(24 * time.Hour), nil
}
