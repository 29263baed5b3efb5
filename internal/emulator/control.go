package emulator

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// controlRoutes registers the JSON control API (no authentication: dev and tests only).
func (e *Emulator) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /emulator/inbound", e.handleControlInbound)
	mux.HandleFunc("GET /emulator/inbound", e.handleControlInboundList)
	mux.HandleFunc("GET /emulator/messages", e.handleControlMessages)
	mux.HandleFunc("GET /emulator/failures", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.listFailures())
	})
	mux.HandleFunc("POST /emulator/failures", e.handleControlFailure)
	mux.HandleFunc("DELETE /emulator/failures", func(w http.ResponseWriter, r *http.Request) {
		e.ClearFailures()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /emulator/senders", e.handleControlSenders)
	mux.HandleFunc("POST /emulator/content", e.handleControlContent)
	mux.HandleFunc("GET /emulator/thread", e.handleControlThread)
	mux.HandleFunc("GET /emulator/media/{MediaSid}", e.handleControlMedia)
	mux.HandleFunc("GET /emulator/phone", e.handlePhone)
	mux.HandleFunc("GET /emulator/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "phone", http.StatusFound)
	})
}

type controlError struct {
	Error string `json:"error"`
}

type inboundJSON struct {
	AccountSID  string            `json:"account_sid"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	Body        string            `json:"body"`
	ProfileName string            `json:"profile_name"`
	Extra       map[string]string `json:"extra"`
	Media       []struct {
		ContentType string `json:"content_type"`
		DataBase64  string `json:"data_base64"`
	} `json:"media"`
}

type inboundResult struct {
	MessageSID    string `json:"message_sid"`
	WebhookStatus int    `json:"webhook_status"`
	Error         string `json:"error,omitempty"`
}

// handleControlInbound serves POST /emulator/inbound.
func (e *Emulator) handleControlInbound(w http.ResponseWriter, r *http.Request) {
	var in inboundJSON
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{"invalid JSON: " + err.Error()})
		return
	}
	req := InboundRequest{AccountSID: in.AccountSID, From: in.From, To: in.To, Body: in.Body,
		ProfileName: in.ProfileName, Extra: in.Extra}
	for _, m := range in.Media {
		data, err := base64.StdEncoding.DecodeString(m.DataBase64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, controlError{"media data_base64: " + err.Error()})
			return
		}
		req.Media = append(req.Media, InboundMedia{ContentType: m.ContentType, Data: data})
	}
	if e.getPublicURL() == "" {
		// Without a configured public URL, media URLs point where this call came in.
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		e.SetPublicURL(scheme + "://" + r.Host)
	}
	sid, code, err := e.SendInbound(r.Context(), req)
	switch {
	case err != nil && sid == "":
		writeJSON(w, http.StatusBadRequest, controlError{err.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadGateway, inboundResult{sid, code, err.Error()})
	default:
		writeJSON(w, http.StatusOK, inboundResult{MessageSID: sid, WebhookStatus: code})
	}
}

// handleControlInboundList serves GET /emulator/inbound[?from=+E164].
func (e *Emulator) handleControlInboundList(w http.ResponseWriter, r *http.Request) {
	from := queryNumber(r, "from")
	e.mu.Lock()
	out := []inboundRecord{}
	for _, rec := range e.inbound {
		if from == "" || rec.From == from {
			out = append(out, *rec)
		}
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// handleControlMessages serves GET /emulator/messages[?to=...]: accepted sends.
func (e *Emulator) handleControlMessages(w http.ResponseWriter, r *http.Request) {
	to := queryNumber(r, "to")
	out := []SentMessage{}
	for _, m := range e.Messages() {
		if to == "" || bareNumber(m.To) == to {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleControlFailure serves POST /emulator/failures with a Failure as JSON.
func (e *Emulator) handleControlFailure(w http.ResponseWriter, r *http.Request) {
	var f Failure
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&f); err != nil {
		writeJSON(w, http.StatusBadRequest, controlError{"invalid failure: " + err.Error()})
		return
	}
	e.InjectFailure(f)
	writeJSON(w, http.StatusCreated, e.listFailures())
}

type senderJSON struct {
	AccountSID string `json:"account_sid"`
	Sender     string `json:"sender"`
	InboundURL string `json:"inbound_url"`
}

// handleControlSenders serves GET /emulator/senders.
func (e *Emulator) handleControlSenders(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	out := []senderJSON{}
	for _, acct := range slices.Sorted(maps.Keys(e.senders)) {
		for _, n := range slices.Sorted(maps.Keys(e.senders[acct])) {
			out = append(out, senderJSON{acct, n, e.senders[acct][n]})
		}
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

type threadEntry struct {
	Direction     string            `json:"direction"` // "inbound" (customer → sender) or "outbound"
	SID           string            `json:"sid"`
	Body          string            `json:"body"`
	Sender        string            `json:"sender"`
	Media         []string          `json:"media,omitempty"` // URLs, relative to /emulator/ for inbound
	MediaTypes    []string          `json:"media_types,omitempty"`
	ContentSID    string            `json:"content_sid,omitempty"`
	ContentVars   map[string]string `json:"content_variables,omitempty"`
	ContentBody   string            `json:"content_body,omitempty"` // the Content template as the phone shows it
	Interactive   *interactiveView  `json:"interactive,omitempty"`  // buttons or a list the customer can tap
	Status        string            `json:"status,omitempty"`
	ErrorCode     int               `json:"error_code,omitempty"`
	WebhookStatus int               `json:"webhook_status,omitempty"`
	WebhookError  string            `json:"webhook_error,omitempty"`
	At            time.Time         `json:"at"`
}

// handleControlThread serves GET /emulator/thread?customer=+E164[&sender=+E164]: the
// conversation as the customer's phone shows it, oldest first.
func (e *Emulator) handleControlThread(w http.ResponseWriter, r *http.Request) {
	customer := queryNumber(r, "customer")
	sender := queryNumber(r, "sender")
	out := []threadEntry{}
	for _, m := range e.Messages() {
		if bareNumber(m.To) != customer || (sender != "" && bareNumber(m.From) != sender) {
			continue
		}
		t := threadEntry{Direction: "outbound", SID: m.SID, Body: m.Body,
			Sender: bareNumber(m.From), ContentSID: m.ContentSID,
			ContentVars: m.ContentVariables, ContentBody: e.renderContent(m.ContentSID, m.ContentVariables),
			Status: m.Status, ErrorCode: m.ErrorCode, At: m.ReceivedAt,
			Interactive: e.interactiveOf(m.ContentSID)}
		// The phone shows the copy downloaded from each MediaUrl, as
		// WhatsApp does, not the URL (which may expire).
		// (A URL off this machine, never fetched, is shown as it is.)
		for _, f := range m.MediaFetches {
			switch {
			case f.MediaSID != "":
				t.Media = append(t.Media, "media/"+f.MediaSID)
				t.MediaTypes = append(t.MediaTypes, f.ContentType)
			case f.Skipped:
				t.Media = append(t.Media, f.URL)
				t.MediaTypes = append(t.MediaTypes, "")
			}
		}
		out = append(out, t)
	}
	e.mu.Lock()
	for _, rec := range e.inbound {
		if rec.From != customer || (sender != "" && rec.To != sender) {
			continue
		}
		t := threadEntry{Direction: "inbound", SID: rec.SID, Body: rec.Body, Sender: rec.To,
			MediaTypes: rec.MediaTypes, WebhookStatus: rec.WebhookStatus, WebhookError: rec.WebhookError,
			At: rec.At}
		for _, ms := range rec.MediaSIDs {
			t.Media = append(t.Media, "media/"+ms)
		}
		out = append(out, t)
	}
	e.mu.Unlock()
	slices.SortStableFunc(out, func(a, b threadEntry) int { return a.At.Compare(b.At) })
	writeJSON(w, http.StatusOK, out)
}

// handleControlMedia serves GET /emulator/media/{MediaSid} without auth, for the page.
func (e *Emulator) handleControlMedia(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	m, ok := e.media[r.PathValue("MediaSid")]
	e.mu.Unlock()
	if !ok {
		writeNotFound(w, r)
		return
	}
	serveMedia(w, m)
}

// queryNumber reads a phone number query parameter, forgiving an unescaped "+"
// (decoded as a space) and the "whatsapp:" prefix.
func queryNumber(r *http.Request, key string) string {
	n := strings.TrimSpace(strings.TrimPrefix(r.URL.Query().Get(key), whatsappPrefix))
	if n != "" && !strings.HasPrefix(n, "+") {
		n = "+" + n
	}
	return n
}

// interactiveView is a quick-reply or list-picker send as the phone offers
// it: type "buttons" or "list".
type interactiveView struct {
	Type    string          `json:"type"`
	Button  string          `json:"button,omitempty"`
	Options []ContentOption `json:"options"`
}

// interactiveOf returns the options of interactive content sid, nil for
// anything else.
func (e *Emulator) interactiveOf(sid string) *interactiveView {
	if sid == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, list := range e.contents {
		for _, c := range list {
			if c.SID != sid {
				continue
			}
			switch c.Kind {
			case TypeQuickReply:
				return &interactiveView{Type: "buttons", Options: slices.Clone(c.Options)}
			case TypeListPicker:
				return &interactiveView{Type: "list", Button: c.Button, Options: slices.Clone(c.Options)}
			}
			return nil
		}
	}
	return nil
}
