package emulator

import (
	"net/http"
	"strconv"
	"strings"
)

// handleFetch serves GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json.
func (e *Emulator) handleFetch(w http.ResponseWriter, r *http.Request) {
	sid, isJSON := strings.CutSuffix(r.PathValue("Sid"), ".json")
	if !isJSON {
		writeNotFound(w, r)
		return
	}
	acct, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	m, found := e.bySID[sid]
	if !found || m.AccountSID != acct {
		e.mu.Unlock()
		writeNotFound(w, r)
		return
	}
	res := e.resourceLocked(m)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, res)
}

// messageResource is Twilio's Message JSON (fields in Twilio's alphabetical order).
type messageResource struct {
	AccountSid          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                string            `json:"from"`
	MessagingServiceSid *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	Sid                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceUris     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// resourceLocked renders m. URIs are relative to the API root, as Twilio's are.
// e.mu must be held.
func (e *Emulator) resourceLocked(m *message) messageResource {
	base := "/2010-04-01/Accounts/" + m.AccountSID + "/Messages/" + m.SID
	res := messageResource{
		AccountSid: m.AccountSID, APIVersion: apiVersion, Body: m.Body,
		DateCreated: rfc2822(m.ReceivedAt), DateUpdated: rfc2822(m.dateUpdated),
		Direction: "outbound-api", From: m.From, To: m.To,
		NumMedia: strconv.Itoa(len(m.MediaURLs)), NumSegments: "1",
		PriceUnit: "USD", Sid: m.SID, Status: m.Status, URI: base + ".json",
		SubresourceUris: map[string]string{
			"media":    base + "/Media.json",
			"feedback": base + "/Feedback.json",
		},
	}
	if !m.dateSent.IsZero() {
		s := rfc2822(m.dateSent)
		res.DateSent = &s
	}
	if m.ErrorCode != 0 {
		code, msg := m.ErrorCode, m.errorMessage
		res.ErrorCode, res.ErrorMessage = &code, &msg
	}
	if m.messagingServiceSID != "" {
		s := m.messagingServiceSID
		res.MessagingServiceSid = &s
	}
	return res
}
