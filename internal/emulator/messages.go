package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const apiVersion = "2010-04-01"

// SentMessage is an outbound message the emulator accepted (answered 201).
// Status and ErrorCode follow the message's lifecycle.
type SentMessage struct {
	SID              string            `json:"sid"`
	AccountSID       string            `json:"account_sid"`
	From             string            `json:"from"`
	To               string            `json:"to"`
	Body             string            `json:"body"`
	StatusCallback   string            `json:"status_callback,omitempty"`
	ContentSID       string            `json:"content_sid,omitempty"`
	ContentVariables map[string]string `json:"content_variables,omitempty"`
	MediaURLs        []string          `json:"media_urls,omitempty"`
	BasicAuthOK      bool              `json:"basic_auth_ok"`
	ReceivedAt       time.Time         `json:"received_at"`
	Status           string            `json:"status"`
	ErrorCode        int               `json:"error_code,omitempty"`
	// MediaFetches: what the emulator downloaded from each MediaUrl, as
	// Twilio does before sending (media_fetch.go); set before "sent".
	MediaFetches []MediaFetch `json:"media_fetches,omitempty"`
}

func (s SentMessage) clone() SentMessage {
	s.ContentVariables = maps.Clone(s.ContentVariables)
	s.MediaURLs = slices.Clone(s.MediaURLs)
	s.MediaFetches = slices.Clone(s.MediaFetches)
	return s
}

// message is the stored state of an outbound message.
type message struct {
	SentMessage
	messagingServiceSID string
	errorMessage        string
	dateUpdated         time.Time
	dateSent            time.Time
	asyncError          int           // injected asynchronous failure code, 0 = deliver
	callbackDelay       time.Duration // injected: callbacks start this late
}

// Messages returns a copy of the accepted messages, in arrival order.
func (e *Emulator) Messages() []SentMessage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.messagesLocked()
}

func (e *Emulator) messagesLocked() []SentMessage {
	out := make([]SentMessage, len(e.messages))
	for i, m := range e.messages {
		out[i] = m.SentMessage.clone()
	}
	return out
}

// WaitForMessages blocks until at least n messages were accepted, then returns them
// all, or returns ctx's error.
func (e *Emulator) WaitForMessages(ctx context.Context, n int) ([]SentMessage, error) {
	for {
		e.mu.Lock()
		if len(e.messages) >= n {
			out := e.messagesLocked()
			e.mu.Unlock()
			return out, nil
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("emulator: waiting for %d messages: %w", n, ctx.Err())
		case <-ch:
		}
	}
}

// handleCreate serves POST /2010-04-01/Accounts/{AccountSid}/Messages.json.
func (e *Emulator) handleCreate(w http.ResponseWriter, r *http.Request) {
	acct, ok := e.authenticate(w, r)
	if !ok {
		return
	}
	e.creates.Add(1)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Could not parse the request body")
		return
	}
	m, code := e.validate(acct, r.PostForm)
	if code != 0 {
		e.log.Info("send rejected", "account_sid", acct, "code", code)
		writeError(w, http.StatusBadRequest, code, errorMessage(code))
		return
	}
	f, failing := e.takeFailure(m.To)
	if failing {
		if f.Delay > 0 && !e.hold(r, f.Delay) {
			e.log.Info("client hung up before the send was looked at: nothing sent", "to", maskNumber(m.To))
			return
		}
		if !f.Accept && (f.Drop || f.HTTPStatus != 0) {
			e.fail(w, f, m)
			return
		}
		if f.HTTPStatus == 0 {
			m.asyncError = f.ErrorCode
		}
		m.callbackDelay = f.CallbackDelay
	}
	if !e.accept(m) {
		e.rateLimited.Add(1)
		e.log.Info("send rate limited", "from", maskNumber(m.From))
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, 20429, errorMessage(20429))
		return
	}
	e.log.Info("message accepted", "sid", m.SID, "from", maskNumber(m.From), "to", maskNumber(m.To))
	e.mu.Lock()
	res := e.resourceLocked(m) // rendered before the lifecycle can move it past queued
	start := !e.closed
	if start {
		e.wg.Add(1)
	}
	e.mu.Unlock()
	if start {
		go e.runLifecycle(m)
	}
	if failing && f.HoldAfterAccept > 0 && !e.hold(r, f.HoldAfterAccept) {
		e.log.Info("client hung up after the message was accepted: it is sent anyway", "sid", m.SID)
		return
	}
	if failing && f.Accept && (f.Drop || f.HTTPStatus != 0) {
		e.log.Info("message accepted, answered as a failure", "sid", m.SID)
		e.fail(w, f, m)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// fail answers an injected failure: a dropped connection or Twilio's error.
func (e *Emulator) fail(w http.ResponseWriter, f Failure, m *message) {
	if f.Drop {
		e.log.Info("injected send failure: connection dropped", "to", maskNumber(m.To))
		dropConnection(w)
		return
	}
	code := f.ErrorCode
	if code == 0 {
		code = defaultCode(f.HTTPStatus)
	}
	e.log.Info("injected send failure", "to", maskNumber(m.To), "status", f.HTTPStatus, "code", code)
	writeError(w, f.HTTPStatus, code, errorMessage(code))
}

// validate checks a create request like Twilio and returns the draft message or a
// Twilio error code (all answered with 400).
func (e *Emulator) validate(acct string, f url.Values) (*message, int) {
	to := strings.TrimSpace(f.Get("To"))
	from := strings.TrimSpace(f.Get("From"))
	msid := strings.TrimSpace(f.Get("MessagingServiceSid"))
	switch {
	case to == "":
		return nil, 21604
	case from == "" && msid == "":
		return nil, 21603
	case !validE164(bareNumber(to)):
		return nil, 21211
	case !strings.HasPrefix(to, whatsappPrefix):
		return nil, 21910
	}
	if from == "" {
		from = e.firstSender(acct)
	}
	if !strings.HasPrefix(from, whatsappPrefix) || !e.isSender(acct, bareNumber(from)) {
		return nil, 63007
	}
	body := f.Get("Body")
	media := f["MediaUrl"]
	contentSID := f.Get("ContentSid")
	if body == "" && len(media) == 0 && contentSID == "" {
		return nil, 21619
	}
	if len([]rune(body)) > 1600 {
		return nil, 21617
	}
	var vars map[string]string
	if cv := f.Get("ContentVariables"); cv != "" {
		var raw map[string]any
		if err := json.Unmarshal([]byte(cv), &raw); err != nil {
			return nil, 21656
		}
		vars = make(map[string]string, len(raw))
		for k, v := range raw {
			if s, ok := v.(string); ok {
				vars[k] = s
			} else {
				vars[k] = fmt.Sprint(v)
			}
		}
	}
	cb := f.Get("StatusCallback")
	if cb != "" {
		u, err := url.Parse(cb)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, 21609
		}
	}
	now := time.Now()
	return &message{
		SentMessage: SentMessage{
			SID: newSID("SM"), AccountSID: acct, From: from, To: to, Body: body,
			StatusCallback: cb, ContentSID: contentSID, ContentVariables: vars,
			MediaURLs: slices.Clone(media), BasicAuthOK: true, ReceivedAt: now, Status: "queued",
		},
		messagingServiceSID: msid,
		dateUpdated:         now,
	}, 0
}

func (e *Emulator) isSender(acct, number string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.senders[acct][number]
	return ok
}

// firstSender picks the sender for a MessagingServiceSid-only send.
func (e *Emulator) firstSender(acct string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	nums := slices.Sorted(maps.Keys(e.senders[acct]))
	if len(nums) == 0 {
		return ""
	}
	return whatsappPrefix + nums[0]
}

// accept applies the per-sender rate limit and stores m. It returns false when the
// sender is over its rate.
func (e *Emulator) accept(m *message) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rate > 0 {
		cutoff := m.ReceivedAt.Add(-time.Second)
		recent := e.sendTimes[m.From]
		i := 0
		for i < len(recent) && !recent[i].After(cutoff) {
			i++
		}
		recent = recent[i:]
		if len(recent) >= e.rate {
			e.sendTimes[m.From] = recent
			return false
		}
		e.sendTimes[m.From] = append(recent, m.ReceivedAt)
	}
	e.messages = append(e.messages, m)
	e.bySID[m.SID] = m
	e.notifyLocked()
	return true
}

// RateLimited is how many sends were refused with 429 for going over a
// sender's rate (Config.RatePerSender).
func (e *Emulator) RateLimited() int { return int(e.rateLimited.Load()) }

// PeakPerSecond is the largest number of msgs accepted within any one
// second: how a sender's rate is judged (accept refuses past
// Config.RatePerSender in such a window).
func PeakPerSecond(msgs []SentMessage) int {
	times := make([]time.Time, len(msgs))
	for i, m := range msgs {
		times[i] = m.ReceivedAt
	}
	slices.SortFunc(times, time.Time.Compare)
	peak, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= time.Second {
			j++
		}
		peak = max(peak, i-j+1)
	}
	return peak
}
