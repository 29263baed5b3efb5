package emulator

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const callbackAttempts = 3

// runLifecycle moves an accepted message through its statuses, one every
// StatusCallbackDelay, posting a status callback for each (queued included).
func (e *Emulator) runLifecycle(m *message) {
	defer e.wg.Done()
	steps := []string{"sent", "delivered", "read"}
	if m.asyncError != 0 {
		steps = []string{"failed"}
		if m.asyncError == 63024 || m.asyncError == 63049 {
			steps = []string{"undelivered"}
		}
	}
	if m.callbackDelay > 0 {
		t := time.NewTimer(m.callbackDelay)
		select {
		case <-e.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	e.postStatus(m)
	if len(m.MediaURLs) > 0 && m.asyncError == 0 {
		if code := e.fetchMedia(m); code != 0 {
			e.mu.Lock()
			m.asyncError = code
			e.mu.Unlock()
			steps = []string{"failed"}
		}
	}
	for _, status := range steps {
		t := time.NewTimer(e.delay)
		select {
		case <-e.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		e.setStatus(m, status)
		e.postStatus(m)
	}
}

func (e *Emulator) setStatus(m *message, status string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	m.Status = status
	m.dateUpdated = now
	switch status {
	case "sent":
		m.dateSent = now
	case "failed", "undelivered":
		m.ErrorCode = m.asyncError
		m.errorMessage = errorMessage(m.asyncError)
	}
	e.notifyLocked()
}

// callbackParams snapshots the status callback form of m.
func (e *Emulator) callbackParams(m *message) (target string, params url.Values) {
	e.mu.Lock()
	defer e.mu.Unlock()
	params = url.Values{
		"MessageSid":       {m.SID},
		"SmsSid":           {m.SID},
		"MessageStatus":    {m.Status},
		"SmsStatus":        {m.Status},
		"AccountSid":       {m.AccountSID},
		"From":             {m.From},
		"To":               {m.To},
		"ApiVersion":       {apiVersion},
		"ChannelPrefix":    {"whatsapp"},
		"ChannelToAddress": {bareNumber(m.To)},
	}
	if m.messagingServiceSID != "" {
		params.Set("MessagingServiceSid", m.messagingServiceSID)
	}
	if m.ErrorCode != 0 {
		params.Set("ErrorCode", strconv.Itoa(m.ErrorCode))
		params.Set("ErrorMessage", m.errorMessage)
	}
	return m.StatusCallback, params
}

// postStatus posts m's current status to its StatusCallback, if any.
func (e *Emulator) postStatus(m *message) {
	target, params := e.callbackParams(m)
	if target == "" {
		return
	}
	token, _ := e.token(m.AccountSID)
	status := params.Get("MessageStatus")
	code, err := e.postSigned(e.ctx, target, token, params, callbackAttempts)
	if err != nil || code >= 500 {
		e.log.Warn("status callback failed", "sid", m.SID, "status", status, "http_status", code, "err", err)
		return
	}
	e.log.Debug("status callback posted", "sid", m.SID, "status", status, "http_status", code)
}

// postSigned POSTs a form signed like Twilio, retrying on 5xx and connection errors.
// It returns the last HTTP status; err is set only when no answer was received.
func (e *Emulator) postSigned(ctx context.Context, target, token string, params url.Values, attempts int) (int, error) {
	sig := Sign(token, target, params)
	idem := newSID("")
	body := params.Encode()
	var (
		lastErr  error
		lastCode int
	)
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 50 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return 0, ctx.Err()
			case <-t.C:
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		req.Header.Set("I-Twilio-Idempotency-Token", idem)
		req.Header.Set("User-Agent", "TwilioProxy/1.1")
		resp, err := e.httpClient.Do(req)
		if err != nil {
			lastCode, lastErr = 0, err
			if ctx.Err() != nil {
				return 0, err
			}
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		lastCode, lastErr = resp.StatusCode, nil
		if resp.StatusCode < 500 {
			break
		}
	}
	return lastCode, lastErr
}
