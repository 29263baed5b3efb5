package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

func send(t *testing.T, c *Client, req SendRequest) (SendResult, error) {
	t.Helper()
	if req.Credentials == (domain.Credentials{}) {
		req.Credentials = testCreds
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Send(ctx, req)
}

func TestSendText(t *testing.T) {
	f := newFake(t)
	res, err := send(t, f.client(0), SendRequest{
		From: domain.SandboxSender, To: "whatsapp:+33612345678", Body: "Bonjour",
		StatusCallback: "https://sb.example/twilio/whatsapp/a1/status",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.SID, "SM") || res.Status != domain.StatusQueued || res.ErrorCode != 0 {
		t.Fatalf("result %+v", res)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1 (no hidden retries)", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		t.Fatalf("request %s %s", r.Method, r.Path)
	}
	if r.User != testSID || r.Pass != testToken {
		t.Fatalf("basic auth %q", r.User)
	}
	if r.ContentType != "application/x-www-form-urlencoded" {
		t.Fatalf("content type %q", r.ContentType)
	}
	want := map[string]string{
		"To": "whatsapp:+33612345678", "From": "whatsapp:+14155238886", "Body": "Bonjour",
		"StatusCallback": "https://sb.example/twilio/whatsapp/a1/status",
	}
	for k, v := range want {
		if got := r.Form[k]; len(got) != 1 || got[0] != v {
			t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"ContentSid", "ContentVariables", "MediaUrl"} {
		if _, ok := r.Form[k]; ok {
			t.Errorf("unexpected form field %s", k)
		}
	}
}

func TestSendMedia(t *testing.T) {
	f := newFake(t)
	urls := []string{"https://cdn.example/a.jpg", "https://cdn.example/b.pdf"}
	if _, err := send(t, f.client(0), SendRequest{From: "+14155238886", To: "+33612345678", Body: "see attached", MediaURLs: urls}); err != nil {
		t.Fatal(err)
	}
	got := f.requests()[0].Form["MediaUrl"]
	if strings.Join(got, " ") != strings.Join(urls, " ") {
		t.Fatalf("MediaUrl = %q, want %q", got, urls)
	}
}

func TestSendTemplate(t *testing.T) {
	f := newFake(t)
	_, err := send(t, f.client(0), SendRequest{
		From: "+14155238886", To: "+33612345678",
		Body:             "rendered text, kept for the transcript only",
		ContentSID:       "HX0123456789abcdef0123456789abcdef",
		ContentVariables: map[string]string{"1": "Alice", "2": `12 "rue" & co`},
	})
	if err != nil {
		t.Fatal(err)
	}
	form := f.requests()[0].Form
	if form.Get("ContentSid") != "HX0123456789abcdef0123456789abcdef" {
		t.Fatalf("ContentSid = %q", form.Get("ContentSid"))
	}
	var vars map[string]string
	if err := json.Unmarshal([]byte(form.Get("ContentVariables")), &vars); err != nil || vars["1"] != "Alice" || vars["2"] != `12 "rue" & co` {
		t.Fatalf("ContentVariables = %q (%v)", form.Get("ContentVariables"), err)
	}
	if _, ok := form["Body"]; ok {
		t.Fatal("Body sent along with ContentSid")
	}
}

func TestSendInvalidRequests(t *testing.T) {
	f := newFake(t)
	c := f.client(0)
	cases := map[string]SendRequest{
		"bad to":          {From: "+14155238886", To: "0612", Body: "x"},
		"bad from":        {From: "", To: "+33612345678", Body: "x"},
		"empty":           {From: "+14155238886", To: "+33612345678"},
		"media+template":  {From: "+14155238886", To: "+33612345678", ContentSID: "HX1", MediaURLs: []string{"https://x/y.png"}},
		"no credentials":  {Credentials: domain.Credentials{AccountSID: testSID}, From: "+14155238886", To: "+33612345678", Body: "x"},
		"token bad chars": {Credentials: domain.Credentials{AccountSID: testSID, AuthToken: "tok:en/secret"}, From: "+14155238886", To: "+33612345678", Body: "x"},
	}
	for name, req := range cases {
		_, err := send(t, c, req)
		var e *Error
		if !errors.As(err, &e) || e.Kind != Final {
			t.Errorf("%s: err = %v, want Final *Error", name, err)
			continue
		}
		if strings.Contains(err.Error(), "+33612345678") || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error leaks data: %v", name, err)
		}
	}
	if n := f.n.Load(); n != 0 {
		t.Fatalf("%d requests reached Twilio", n)
	}
}

func TestSendFailedAtCreation(t *testing.T) {
	f := newFake(t)
	f.reply = func(w http.ResponseWriter, _ *http.Request, s seen) {
		m := messageJSON(testSID, "SM00000000000000000000000000000063", "failed", s.Form)
		m["error_code"], m["error_message"] = 63016, "Failed to send freeform message because you are outside the allowed window."
		writeJSON(w, http.StatusCreated, m)
	}
	res, err := send(t, f.client(0), SendRequest{From: "+14155238886", To: "+33612345678", Body: "hello?"})
	if res.SID != "SM00000000000000000000000000000063" || res.Status != domain.StatusFailed || res.ErrorCode != 63016 {
		t.Fatalf("result %+v", res)
	}
	if !IsWindowClosed(err) {
		t.Fatalf("err = %v, want WindowClosed", err)
	}
}

func TestSendConcurrentAccounts(t *testing.T) {
	f := newFake(t)
	c := f.client(0)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			creds := domain.Credentials{AccountSID: fmt.Sprintf("AC%032d", i%3), AuthToken: fmt.Sprintf("token%d", i%3)}
			if _, err := send(t, c, SendRequest{Credentials: creds, From: "+14155238886", To: "+33612345678", Body: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, r := range f.requests() {
		if !strings.Contains(r.Path, r.User) || r.Pass != "token"+r.User[len(r.User)-1:] {
			t.Fatalf("credentials mixed up: path %s user %s", r.Path, r.User)
		}
	}
}

func TestAPIBaseWithPathPrefix(t *testing.T) {
	f := newFake(t)
	c := NewClient(Config{APIBase: f.URL + "/emulator/"})
	if _, err := send(t, c, SendRequest{From: "+14155238886", To: "+33612345678", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if p := f.requests()[0].Path; p != "/emulator/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		t.Fatalf("path %s", p)
	}
}

func TestInvalidAPIBase(t *testing.T) {
	c := NewClient(Config{APIBase: "127.0.0.1:8081", Logger: slog.New(slog.DiscardHandler)})
	_, err := send(t, c, SendRequest{From: "+14155238886", To: "+33612345678", Body: "x"})
	if e := Classify(err); e == nil || e.Kind != Final || !strings.Contains(e.Message, "API base") {
		t.Fatalf("err = %v", err)
	}
}

func TestLogsHideSecrets(t *testing.T) {
	f := newFake(t)
	var buf strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := NewClient(Config{APIBase: f.URL, Logger: log})
	req := SendRequest{Credentials: testCreds, From: "+14155238886", To: "+33612345678", Body: "x"}
	if _, err := c.Send(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	f.reply = twilioError(400, 21211, "invalid To")
	_, _ = c.Send(context.Background(), req)
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if !strings.Contains(out, "twilio send failed") || strings.Contains(out, testToken) || strings.Contains(out, "+33612345678") {
		t.Fatalf("log output:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
