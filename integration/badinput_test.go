package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// rawPost posts body as contentType with the admin key (when admin) and
// returns the status and the decoded JSON error.
func (s *stack) rawPost(t *testing.T, path, contentType string, body []byte, headers map[string]string) (int, apiError) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.apiURL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e apiError
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("POST %s: %d with a body that is not the JSON error shape: %s", path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, e
}

// oversized announces a 2 MiB JSON body on a raw connection, sends its first
// bytes, and reads the answer.
func (s *stack) oversized(t *testing.T, path string) (int, apiError) {
	t.Helper()
	return s.oversizedBy(t, path, 2<<20)
}

// oversizedBy is oversized with the announced length.
func (s *stack) oversizedBy(t *testing.T, path string, size int) (int, apiError) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(s.apiURL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"name\":\"xxxx",
		path, strings.TrimPrefix(s.apiURL, "http://"), s.cfg.AdminKey, size)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: no answer to an oversized body: %v", path, err)
	}
	defer resp.Body.Close()
	var e apiError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("%s: %d without the JSON error shape: %v", path, resp.StatusCode, err)
	}
	return resp.StatusCode, e
}

// TestBadInputGetsClearErrorsAndWritesNothing: bodies over 1 MiB are 413
// with the JSON error shape, on the admin API and on the webhooks; malformed
// JSON and forms are 400s that say what is wrong; a request refused half
// way leaves nothing behind.
func TestBadInputGetsClearErrorsAndWritesNothing(t *testing.T) {
	s := newStack(t, temporalAddr)
	admin := map[string]string{"Authorization": "Bearer " + s.cfg.AdminKey}

	// Bodies are capped at 1 MiB: refused from the announced length, before
	// the body is read (a raw connection, since the server answers and hangs
	// up without reading the rest).
	for _, path := range []string{"/api/v1/queues", "/twilio/whatsapp/" + s.account.ID + "/inbound"} {
		st, e := s.oversized(t, path)
		if st != http.StatusRequestEntityTooLarge || e.Error.Code != string(domain.CodeTooLarge) || e.Error.Message == "" {
			t.Errorf("%s with 2 MiB: %d %+v, want 413 %s", path, st, e, domain.CodeTooLarge)
		}
	}

	// Malformed JSON: 400 INVALID_ARGUMENT saying what is wrong.
	for _, c := range []struct{ body, ctype, says string }{
		{`{"name": "Support"`, "application/json", "malformed JSON"},
		{`{"name": 42}`, "application/json", `"name"`},
		{`{"name": "Support", "colour": "blue"}`, "application/json", `unknown field "colour"`},
		{`{"name": "A"} {"name": "B"}`, "application/json", "after the JSON object"},
		{``, "application/json", "empty"},
		{`name=Support`, "application/x-www-form-urlencoded", "application/json"},
	} {
		st, e := s.rawPost(t, "/api/v1/queues", c.ctype, []byte(c.body), admin)
		if st != http.StatusBadRequest || e.Error.Code != string(domain.CodeInvalid) || !strings.Contains(e.Error.Message, c.says) {
			t.Errorf("queue from %q (%s): %d %+v, want 400 saying %q", c.body, c.ctype, st, e.Error, c.says)
		}
	}
	var queues listResponse[map[string]any]
	s.admin(http.MethodGet, "/api/v1/queues", nil, http.StatusOK, &queues)
	if len(queues.Data) != 0 {
		t.Fatalf("refused requests created queues: %+v", queues.Data)
	}

	if st, _ := s.rawPost(t, "/api/v1/queues", "application/json", []byte(`{"name":"`+strings.Repeat("x", 100)+`"}`), admin); st != http.StatusCreated {
		t.Fatal("a well-formed small body was refused")
	}

	// Malformed forms on the (signed) inbound webhook: 400, nothing stored.
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	for _, c := range []struct {
		what string
		edit func(url.Values)
		says string
	}{
		{"no MessageSid", func(f url.Values) { f.Del("MessageSid"); f.Del("SmsMessageSid") }, "MessageSid"},
		{"From not a number", func(f url.Values) { f.Set("From", "whatsapp:hello") }, "From"},
		{"NumMedia not a number", func(f url.Values) { f.Set("NumMedia", "two") }, "NumMedia"},
		{"NumMedia without its URLs", func(f url.Values) { f.Set("NumMedia", "2") }, "MediaUrl0"},
	} {
		sid := newMessageSID()
		form := inboundForm(sid, customerOne, c.what)
		c.edit(form)
		full := s.apiURL + path
		st, e := s.rawPost(t, path, "application/x-www-form-urlencoded", []byte(form.Encode()),
			map[string]string{"X-Twilio-Signature": emulator.Sign(authToken, full, form)})
		if st != http.StatusBadRequest || e.Error.Code != string(domain.CodeInvalid) || !strings.Contains(e.Error.Message, c.says) {
			t.Errorf("inbound with %s: %d %+v, want 400 saying %q", c.what, st, e.Error, c.says)
		}
		if n, _ := s.app.Store.CountInbox(context.Background(), sid); n != 0 {
			t.Errorf("inbound with %s stored %d rows", c.what, n)
		}
	}
	form := inboundForm(newMessageSID(), customerOne, "json")
	js, _ := json.Marshal(form)
	if st, e := s.rawPost(t, path, "application/json", js, nil); st != http.StatusBadRequest || !strings.Contains(e.Error.Message, "x-www-form-urlencoded") {
		t.Errorf("inbound as JSON: %d %+v", st, e.Error)
	}

	// Nothing half-written: an account whose second number is taken is
	// refused whole; so is one listing a number twice.
	for _, numbers := range [][]string{{"+14155550111", ourNumber}, {"+14155550112", "+14155550112"}} {
		var list []map[string]string
		for _, n := range numbers {
			list = append(list, map[string]string{"name": "n", "e164": n})
		}
		st, _, raw := s.adminRaw(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
			"name": "Half", "twilio_account_sid": "AC11111111111111111111111111111111", "twilio_auth_token": authToken, "numbers": list,
		})
		if st != http.StatusConflict && st != http.StatusBadRequest {
			t.Errorf("account with numbers %v: %d %s, want 409 or 400", numbers, st, raw)
		}
	}
	var accounts, numbers, audits int
	db := s.app.Store.DB()
	if err := db.Get(&accounts, `SELECT count(*) FROM accounts`); err != nil {
		t.Fatal(err)
	}
	_ = db.Get(&numbers, `SELECT count(*) FROM numbers WHERE e164 IN ('+14155550111', '+14155550112')`)
	_ = db.Get(&audits, `SELECT count(*) FROM audit_log WHERE changes::text LIKE '%Half%'`)
	if accounts != 1 || numbers != 0 || audits != 0 {
		t.Fatalf("after refused account creations: %d accounts, %d of their numbers, %d audit rows", accounts, numbers, audits)
	}
}
