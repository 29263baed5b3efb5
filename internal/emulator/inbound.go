package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// InboundRequest is a message a customer sends to a configured sender.
type InboundRequest struct {
	AccountSID  string // optional when the To sender belongs to exactly one account
	From        string // customer, E.164 ("whatsapp:" prefix tolerated)
	To          string // configured sender, E.164
	Body        string
	ProfileName string
	Media       []InboundMedia
	// Extra adds or overrides webhook fields: ButtonText, ButtonPayload, Latitude,
	// Longitude, Address, Label, OriginalRepliedMessageSid, MessageType, Referral*...
	Extra map[string]string
}

// InboundMedia is an attachment; the emulator hosts the bytes and sends MediaUrlN
// pointing at itself.
type InboundMedia struct {
	ContentType string
	Data        []byte
}

type mediaItem struct {
	accountSID, messageSID, contentType string
	data                                []byte
	created                             time.Time
}

// inboundRecord remembers an inbound message for the phone page's thread.
type inboundRecord struct {
	SID           string    `json:"sid"`
	AccountSID    string    `json:"account_sid"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Body          string    `json:"body"`
	ProfileName   string    `json:"profile_name,omitempty"`
	MediaSIDs     []string  `json:"media_sids,omitempty"`
	MediaTypes    []string  `json:"media_types,omitempty"`
	WebhookStatus int       `json:"webhook_status"`
	WebhookError  string    `json:"webhook_error,omitempty"`
	At            time.Time `json:"at"`
}

// SendInbound posts a correctly signed inbound-message webhook to the sender's
// configured URL, as Twilio would, and returns the message SID and the webhook's
// HTTP status (whatever it is). err is set when the request is invalid or the webhook
// could not be reached.
func (e *Emulator) SendInbound(ctx context.Context, in InboundRequest) (string, int, error) {
	from, to := bareNumber(in.From), bareNumber(in.To)
	if !validE164(from) {
		return "", 0, fmt.Errorf("emulator: inbound From %q is not E.164", maskNumber(in.From))
	}
	acct, target, err := e.findSender(in.AccountSID, to)
	if err != nil {
		return "", 0, err
	}
	token, _ := e.token(acct)
	prefix := "SM"
	if len(in.Media) > 0 {
		prefix = "MM"
	}
	sid := newSID(prefix)
	rec := &inboundRecord{SID: sid, AccountSID: acct, From: from, To: to, Body: in.Body,
		ProfileName: in.ProfileName, At: time.Now()}
	params := url.Values{
		"MessageSid":       {sid},
		"SmsMessageSid":    {sid},
		"SmsSid":           {sid},
		"AccountSid":       {acct},
		"From":             {whatsappPrefix + from},
		"To":               {whatsappPrefix + to},
		"Body":             {in.Body},
		"NumMedia":         {strconv.Itoa(len(in.Media))},
		"NumSegments":      {"1"},
		"ProfileName":      {in.ProfileName},
		"WaId":             {strings.TrimPrefix(from, "+")},
		"MessageType":      {messageType(in)},
		"SmsStatus":        {"received"},
		"ApiVersion":       {apiVersion},
		"ReferralNumMedia": {"0"},
	}
	base := e.getPublicURL()
	for i, m := range in.Media {
		msid := newSID("ME")
		e.mu.Lock()
		e.media[msid] = &mediaItem{accountSID: acct, messageSID: sid, contentType: m.ContentType,
			data: m.Data, created: time.Now()}
		e.mu.Unlock()
		n := strconv.Itoa(i)
		params.Set("MediaUrl"+n, base+"/2010-04-01/Accounts/"+acct+"/Messages/"+sid+"/Media/"+msid)
		params.Set("MediaContentType"+n, m.ContentType)
		rec.MediaSIDs = append(rec.MediaSIDs, msid)
		rec.MediaTypes = append(rec.MediaTypes, m.ContentType)
	}
	for k, v := range in.Extra {
		params.Set(k, v)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	code, err := e.postSigned(ctx, target, token, params, 1)
	rec.WebhookStatus = code
	if err != nil {
		rec.WebhookError = err.Error()
	}
	e.mu.Lock()
	e.inbound = append(e.inbound, rec)
	e.mu.Unlock()
	e.log.Info("inbound webhook posted", "sid", sid, "from", maskNumber(from), "to", maskNumber(to),
		"num_media", len(in.Media), "http_status", code, "err", err)
	if err != nil {
		return sid, code, fmt.Errorf("emulator: inbound webhook: %w", err)
	}
	return sid, code, nil
}

// messageType guesses Twilio's MessageType field.
func messageType(in InboundRequest) string {
	switch {
	case in.Extra["MessageType"] != "":
		return in.Extra["MessageType"]
	case in.Extra["ButtonPayload"] != "" || in.Extra["ButtonText"] != "":
		return "button"
	case in.Extra["Latitude"] != "":
		return "location"
	case len(in.Media) > 0:
		ct := in.Media[0].ContentType
		for _, t := range []string{"image", "audio", "video"} {
			if strings.HasPrefix(ct, t+"/") {
				return t
			}
		}
		return "document"
	}
	return "text"
}

// findSender resolves the account and webhook URL of sender number to.
func (e *Emulator) findSender(acct, to string) (string, string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if acct != "" {
		target, ok := e.senders[acct][to]
		if !ok {
			return "", "", fmt.Errorf("emulator: %s is not a sender of account %s", maskNumber(to), acct)
		}
		if target == "" {
			return "", "", errors.New("emulator: sender has no inbound URL")
		}
		return acct, target, nil
	}
	found := 0
	var target string
	for a, s := range e.senders {
		if u, ok := s[to]; ok {
			acct, target = a, u
			found++
		}
	}
	switch {
	case found == 0:
		return "", "", fmt.Errorf("emulator: %s is not a configured sender", maskNumber(to))
	case found > 1:
		return "", "", fmt.Errorf("emulator: %s belongs to several accounts; set AccountSID", maskNumber(to))
	case target == "":
		return "", "", errors.New("emulator: sender has no inbound URL")
	}
	return acct, target, nil
}

// handleMedia serves GET .../Messages/{MessageSid}/Media/{MediaSid}: the bytes, or
// the Media resource JSON when the path ends in .json. Basic auth is required.
func (e *Emulator) handleMedia(w http.ResponseWriter, r *http.Request) {
	acct, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	msid, isJSON := strings.CutSuffix(r.PathValue("MediaSid"), ".json")
	e.mu.Lock()
	m, found := e.media[msid]
	e.mu.Unlock()
	if !found || m.accountSID != acct || m.messageSID != r.PathValue("MessageSid") {
		writeNotFound(w, r)
		return
	}
	if isJSON {
		uri := "/2010-04-01/Accounts/" + acct + "/Messages/" + m.messageSID + "/Media/" + msid + ".json"
		writeJSON(w, http.StatusOK, map[string]any{
			"account_sid": acct, "content_type": m.contentType, "sid": msid,
			"parent_sid": m.messageSID, "date_created": rfc2822(m.created),
			"date_updated": rfc2822(m.created), "uri": uri,
		})
		return
	}
	serveMedia(w, m)
}

func serveMedia(w http.ResponseWriter, m *mediaItem) {
	ct := m.contentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	_, _ = w.Write(m.data)
}
