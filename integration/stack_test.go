package integration

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

const (
	accountSID  = "AC0123456789abcdef0123456789abcdef"
	authToken   = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
	ourNumber   = "+14155550100"
	customerOne = "+33612345678"
)

// stack is one Switchboard (API + relay + worker) with its own database and
// task queue, an emulator as its Twilio, and one WhatsApp account.
type stack struct {
	t       *testing.T
	cfg     config.Config
	app     *app.App
	emu     *emulator.Emulator
	emuURL  string
	apiURL  string
	opsURL  string // the operations listener ("" when the stack has none)
	account domain.Account
	stop    context.CancelFunc
	done    chan struct{}
}

func newStack(t *testing.T, temporal string) *stack {
	t.Helper()
	return newStackWithLogger(t, temporal, nil)
}

// newStackWithLogger is newStack with the logger of the whole stack (nil:
// warnings to the test's output when verbose).
func newStackWithLogger(t *testing.T, temporal string, logger *slog.Logger) *stack {
	t.Helper()
	return newConfiguredStack(t, temporal, logger, nil)
}

func (s *stack) createAccount() domain.Account {
	var acc domain.Account
	s.admin(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Contoso", "twilio_account_sid": accountSID, "twilio_auth_token": authToken,
		"numbers": []map[string]string{{"name": "Support", "e164": ourNumber}},
	}, http.StatusCreated, &acc)
	return acc
}

// admin calls the admin API, checks the status and decodes the answer into out.
func (s *stack) admin(method, path string, body any, wantStatus int, out any) {
	s.t.Helper()
	status, _, raw := s.adminRaw(method, path, body)
	if status != wantStatus {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, wantStatus, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// postWebhook posts a Twilio-style form to one of our webhooks, signed with
// token (as Twilio would with the account's auth token) unless sig is given.
func (s *stack) postWebhook(path string, form url.Values, token, sig string) int {
	s.t.Helper()
	full := s.apiURL + path
	if sig == "" && token != "" {
		sig = emulator.Sign(token, full, form)
	}
	req, _ := http.NewRequest(http.MethodPost, full, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func inboundForm(sid, from, body string) url.Values {
	return url.Values{
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {accountSID},
		"From": {"whatsapp:" + from}, "To": {"whatsapp:" + ourNumber}, "Body": {body},
		"NumMedia": {"0"}, "ProfileName": {"Marie"}, "WaId": {strings.TrimPrefix(from, "+")},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
}

func newMessageSID() string { return "SM" + strings.ReplaceAll(uuid.NewString(), "-", "") }

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	if testing.Verbose() {
		os.Stderr.Write(p)
	}
	return len(p), nil
}
