package emulator

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

const (
	testSID    = "AC00000000000000000000000000000001"
	testToken  = "0123456789abcdef0123456789abcdef"
	testSender = "+14155238886"
	testTo     = "+33612345678"
)

// newTestEmulator starts an emulator with one account and sender on an httptest server.
func newTestEmulator(t *testing.T, cfg Config) (*Emulator, *httptest.Server) {
	t.Helper()
	if cfg.StatusCallbackDelay == 0 {
		cfg.StatusCallbackDelay = 5 * time.Millisecond
	}
	e := New(cfg)
	srv := httptest.NewServer(e.Handler())
	e.SetPublicURL(srv.URL)
	e.AddAccount(testSID, testToken)
	e.ConfigureSender(testSID, testSender, "")
	t.Cleanup(func() {
		srv.Close()
		e.Close()
	})
	return e, srv
}

// received is one request captured by a receiver.
type received struct {
	URL      string
	Form     url.Values
	SigValid bool
	Header   http.Header
}

// receiver is an httptest webhook endpoint that records requests and checks their
// Twilio signature with twilio-go's validator.
type receiver struct {
	*httptest.Server
	token  string
	status func(n int) int // HTTP status for the n-th request (1-based)

	mu   sync.Mutex
	reqs []received
	ch   chan struct{}
}

func newReceiver(t *testing.T, token string) *receiver {
	t.Helper()
	rc := &receiver{token: token, ch: make(chan struct{}, 100)}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	full := "http://" + r.Host + r.URL.RequestURI()
	v := client.NewRequestValidator(rc.token)
	rec := received{URL: full, Form: form, SigValid: v.ValidateBody(full, body, r.Header.Get("X-Twilio-Signature")), Header: r.Header.Clone()}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, rec)
	n := len(rc.reqs)
	rc.mu.Unlock()
	code := http.StatusOK
	if rc.status != nil {
		code = rc.status(n)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, "<Response/>")
	select {
	case rc.ch <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// wait blocks until n requests arrived (or fails the test after a deadline).
func (rc *receiver) wait(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		rc.mu.Lock()
		if len(rc.reqs) >= n {
			out := append([]received(nil), rc.reqs...)
			rc.mu.Unlock()
			return out
		}
		rc.mu.Unlock()
		select {
		case <-rc.ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %d requests", n)
		}
	}
}

// postMessage sends a raw create request with basic auth user:pass.
func postMessage(t *testing.T, base, user, pass string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/2010-04-01/Accounts/"+testSID+"/Messages.json",
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func sendForm(to, body string) url.Values {
	return url.Values{"To": {"whatsapp:" + to}, "From": {"whatsapp:" + testSender}, "Body": {body}}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
