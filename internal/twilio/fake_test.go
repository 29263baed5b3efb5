package twilio

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "f00dfeedf00dfeedf00dfeedf00dfeed"
)

var testCreds = domain.Credentials{AccountSID: testSID, AuthToken: testToken}

// seen is one request as the fake Twilio received it.
type seen struct {
	Method, Path, Query, ContentType string
	User, Pass                       string
	Form                             url.Values
}

// fakeTwilio is an httptest server speaking Twilio's wire format. reply
// decides the answer; by default it creates a queued Message.
type fakeTwilio struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []seen
	n     atomic.Int64
	reply func(w http.ResponseWriter, r *http.Request, s seen)
}

func newFake(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{reply: createdMessage}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		user, pass, _ := r.BasicAuth()
		s := seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), user, pass, form}
		f.mu.Lock()
		f.reqs = append(f.reqs, s)
		f.mu.Unlock()
		f.n.Add(1)
		f.reply(w, r, s)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTwilio) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func (f *fakeTwilio) client(timeout time.Duration) *Client {
	return NewClient(Config{APIBase: f.URL, Timeout: timeout, Logger: slog.New(slog.DiscardHandler)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// twilioError answers like Twilio does for a failed request.
func twilioError(status, code int, msg string) func(http.ResponseWriter, *http.Request, seen) {
	return func(w http.ResponseWriter, _ *http.Request, _ seen) {
		writeJSON(w, status, map[string]any{
			"code": code, "message": msg, "status": status,
			"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		})
	}
}

// messageJSON is a Message resource as Twilio returns it on creation.
func messageJSON(account, sid, status string, form url.Values) map[string]any {
	now := time.Now().UTC().Format(time.RFC1123Z)
	uri := "/2010-04-01/Accounts/" + account + "/Messages/" + sid
	return map[string]any{
		"account_sid": account, "api_version": "2010-04-01", "body": form.Get("Body"),
		"date_created": now, "date_updated": now, "date_sent": nil,
		"direction": "outbound-api", "error_code": nil, "error_message": nil,
		"from": form.Get("From"), "to": form.Get("To"), "messaging_service_sid": nil,
		"num_media": fmt.Sprint(len(form["MediaUrl"])), "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": sid, "status": status,
		"subresource_uris": map[string]string{"media": uri + "/Media.json"},
		"uri":              uri + ".json",
	}
}

func createdMessage(w http.ResponseWriter, r *http.Request, s seen) {
	account := s.User
	writeJSON(w, http.StatusCreated, messageJSON(account, fmt.Sprintf("SM%032x", time.Now().UnixNano()), "queued", s.Form))
}
