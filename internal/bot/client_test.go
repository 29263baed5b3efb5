package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// botServer answers every request with handle and counts requests.
func botServer(t *testing.T, handle http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func TestAskSendsRasaRequestAndReadsMessages(t *testing.T) {
	var got struct {
		method, path, query, contentType string
		body                             map[string]any
	}
	srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.query, got.contentType = r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type")
		_ = json.NewDecoder(r.Body).Decode(&got.body)
		answer(`[
			{"recipient_id": "conv-1", "text": "Hello"},
			{"recipient_id": "conv-1", "image": "https://cdn.example.com/a.png"},
			{"recipient_id": "conv-1", "text": "Pick one", "buttons": [{"title": "Orders", "payload": "/orders"}, {"title": " ", "payload": "x"}, {"title": "Agent", "payload": "/agent"}]},
			{"recipient_id": "conv-1", "buttons": [{"title": "Only buttons", "payload": "/x"}]},
			{"recipient_id": "conv-1", "text": "Caption", "image": "https://cdn.example.com/b.png", "custom": {"handoff": false}},
			{"recipient_id": "conv-1", "custom": {"some": "thing"}},
			{"recipient_id": "conv-1", "text": "  "},
			{"recipient_id": "conv-1", "image": "javascript:alert(1)"}
		]`)(w, r)
	})
	c := NewClient(nil, true)
	reply, err := c.Ask(context.Background(), domain.Bot{URL: srv.URL + "/webhooks/rest/webhook?token=s3cret"}, "conv-1", "Bonjour, commande 42")
	if err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodPost || got.path != "/webhooks/rest/webhook" || got.query != "token=s3cret" || got.contentType != "application/json" {
		t.Fatalf("request: %+v", got)
	}
	if got.body["sender"] != "conv-1" || got.body["message"] != "Bonjour, commande 42" || len(got.body) != 2 {
		t.Fatalf("request body: %v", got.body)
	}
	want := []domain.BotMessage{
		{Text: "Hello"},
		{Image: "https://cdn.example.com/a.png"},
		{Text: "Pick one", Buttons: []domain.BotButton{{Title: "Orders", Payload: "/orders"}, {Title: "Agent", Payload: "/agent"}}},
		{Buttons: []domain.BotButton{{Title: "Only buttons", Payload: "/x"}}},
		{Text: "Caption", Image: "https://cdn.example.com/b.png"},
	}
	if fmt.Sprint(reply.Messages) != fmt.Sprint(want) || reply.Handoff || reply.HandoffReason != "" {
		t.Fatalf("reply:\n got %+v\nwant %+v", reply, want)
	}
}

func TestAskHandoff(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		handoff    bool
		reason     string
	}{
		{"custom handoff true", `[{"text": "Je vous passe un conseiller", "custom": {"handoff": true}}]`, true, DefaultHandoffReason},
		{"with reason", `[{"text": "ok", "custom": {"handoff": true, "reason": "  billing dispute  "}}]`, true, "billing dispute"},
		{"with handoff_reason", `[{"custom": {"handoff": true, "handoff_reason": "angry"}}]`, true, "angry"},
		{"any item", `[{"text": "a"}, {"text": "b", "custom": {"handoff": true, "reason": "first"}}, {"custom": {"handoff": true, "reason": "second"}}]`, true, "first"},
		{"string true is not true", `[{"text": "a", "custom": {"handoff": "true"}}]`, false, ""},
		{"number is not true", `[{"text": "a", "custom": {"handoff": 1}}]`, false, ""},
		{"false", `[{"text": "a", "custom": {"handoff": false}}]`, false, ""},
		{"custom not an object", `[{"text": "a", "custom": [true]}]`, false, ""},
		{"custom null", `[{"text": "a", "custom": null}]`, false, ""},
		{"custom string", `[{"text": "a", "custom": "handoff"}]`, false, ""},
		{"nested handoff does not count", `[{"text": "a", "custom": {"data": {"handoff": true}}}]`, false, ""},
		{"empty answer", `[]`, false, ""},
		{"null answer", `null`, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := botServer(t, answer(tc.body))
			reply, err := NewClient(nil, true).Ask(context.Background(), domain.Bot{URL: srv.URL}, "s", "m")
			if err != nil {
				t.Fatal(err)
			}
			if reply.Handoff != tc.handoff || reply.HandoffReason != tc.reason {
				t.Fatalf("got %+v", reply)
			}
		})
	}
}

func TestAskErrors(t *testing.T) {
	big := "[" + strings.Repeat(" ", MaxResponseBytes) + "]" // one byte too many
	for _, tc := range []struct {
		name   string
		handle http.HandlerFunc
		want   string
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "you said: Bonjour commande 42", http.StatusInternalServerError)
		}, "answered HTTP 500"},
		{"not found", func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) }, "answered HTTP 404"},
		{"redirect is not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
		}, "answered HTTP 302"},
		{"object instead of array", answer(`{"text": "hi"}`), "not a JSON array"},
		{"garbage", answer(`<html>`), "not a JSON array"},
		{"wrong types", answer(`[{"text": 42}]`), "not a JSON array"},
		{"truncated", answer(`[{"text": "hi"`), "not a JSON array"},
		{"too large", answer(big), "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := botServer(t, tc.handle)
			_, err := NewClient(nil, true).Ask(context.Background(), domain.Bot{URL: srv.URL + "/hook?token=s3cret"}, "conv-1", "Bonjour commande 42")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			for _, secret := range []string{"s3cret", "Bonjour", "commande"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error leaks %q: %v", secret, err)
				}
			}
		})
	}
}

func TestAskAcceptsExactlyTheLimit(t *testing.T) {
	exact := "[" + strings.Repeat(" ", MaxResponseBytes-2) + "]"
	srv, _ := botServer(t, answer(exact))
	if _, err := NewClient(nil, true).Ask(context.Background(), domain.Bot{URL: srv.URL}, "s", "m"); err != nil {
		t.Fatal(err)
	}
}

func TestAskTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv, _ := botServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	start := time.Now()
	_, err := NewClient(nil, true).Ask(context.Background(), domain.Bot{URL: srv.URL, Timeout: domain.Duration(150 * time.Millisecond)}, "s", "m")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer within 150ms") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %s", d)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAskDefaultTimeoutIsTenSeconds(t *testing.T) {
	var deadline time.Time
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		deadline, _ = r.Context().Deadline()
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("[]")), Header: http.Header{}}, nil
	})}
	start := time.Now()
	if _, err := NewClient(hc, true).Ask(context.Background(), domain.Bot{URL: "https://bot.example.com/webhooks/rest/webhook"}, "s", "m"); err != nil {
		t.Fatal(err)
	}
	if d := deadline.Sub(start); d < 9*time.Second || d > 11*time.Second {
		t.Fatalf("deadline in %s, want about 10s", d)
	}
}

func TestAskRefusesPrivateAddressesBeforeAnyRequest(t *testing.T) {
	srv, hits := botServer(t, answer(`[{"text": "should never be seen"}]`))
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	c := NewClient(nil, false)
	for _, u := range []string{
		srv.URL,                              // 127.0.0.1 literal
		"http://localhost:" + port,           // a name resolving to loopback
		"http://[::ffff:127.0.0.1]:" + port,  // IPv4-mapped IPv6
		"http://0.0.0.0:" + port,             // unspecified reaches the local host
		"https://169.254.169.254/latest/api", // cloud metadata
	} {
		_, err := c.Ask(context.Background(), domain.Bot{URL: u, Timeout: domain.Duration(2 * time.Second)}, "s", "m")
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: err = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the bot received %d requests", n)
	}
	// The same server is reachable when private addresses are allowed.
	if _, err := NewClient(nil, true).Ask(context.Background(), domain.Bot{URL: srv.URL}, "s", "m"); err != nil || hits.Load() != 1 {
		t.Fatalf("allowPrivate: err = %v, hits = %d", err, hits.Load())
	}
}

func TestAskRefusesOtherSchemes(t *testing.T) {
	called := false
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		called = true
		return nil, errors.New("unreachable")
	})}
	for _, u := range []string{"ftp://bot.example.com/x", "file:///etc/passwd", "gopher://x", "//bot.example.com/x", "bot.example.com", "", "http://"} {
		if _, err := NewClient(hc, true).Ask(context.Background(), domain.Bot{URL: u}, "s", "m"); err == nil {
			t.Errorf("%q: no error", u)
		}
	}
	if called {
		t.Fatal("a request was attempted")
	}
}

func TestNewClientGuardNeedsHTTPTransport(t *testing.T) {
	called := false
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		called = true
		return nil, errors.New("unreachable")
	})}
	_, err := NewClient(hc, false).Ask(context.Background(), domain.Bot{URL: "https://bot.example.com/x"}, "s", "m")
	if err == nil || !strings.Contains(err.Error(), "*http.Transport") || called {
		t.Fatalf("err = %v, called = %v", err, called)
	}
}

func TestNewClientDoesNotChangeTheGivenClient(t *testing.T) {
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	NewClient(hc, false)
	if hc.Transport != tr || hc.CheckRedirect != nil || tr.DialContext != nil {
		t.Fatal("the caller's client or transport was modified")
	}
}

func TestParseReplyCapsMessages(t *testing.T) {
	items := make([]string, MaxMessages+5)
	for i := range items {
		items[i] = fmt.Sprintf(`{"text": "m%d"}`, i)
	}
	items = append(items, `{"custom": {"handoff": true}}`)
	r, err := parseReply([]byte("[" + strings.Join(items, ",") + "]"))
	if err != nil || len(r.Messages) != MaxMessages || !r.Handoff {
		t.Fatalf("got %d messages, handoff %v, err %v", len(r.Messages), r.Handoff, err)
	}
}

// FuzzParseReply: whatever a bot answers, no panic, no empty message (a
// message of buttons alone is sent as numbered options), no untitled button, at
// most MaxMessages, and a reason exactly when handing off.
func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		`[]`, `null`, `[{"text": "hi"}]`, `[{"custom": {"handoff": true}}]`,
		`[{"text": "a", "image": "https://x/y.png", "buttons": [{"title": "t", "payload": "p"}], "custom": {"handoff": true, "reason": "r"}}]`,
		`{"text": "x"}`, `[{"custom": [1, 2]}]`, `[{"image": "::"}]`, "[\"\xff\"]", `[{"buttons": null}]`,
		`[{"buttons": [{"title": "0"}]}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseReply(data)
		if err != nil {
			return
		}
		if len(r.Messages) > MaxMessages {
			t.Fatalf("%d messages", len(r.Messages))
		}
		for _, m := range r.Messages {
			for _, b := range m.Buttons {
				if strings.TrimSpace(b.Title) == "" {
					t.Fatalf("untitled button in %+v", r)
				}
			}
			if strings.TrimSpace(m.Text) == "" && m.Image == "" && len(m.Buttons) == 0 {
				t.Fatalf("empty message in %+v", r)
			}
			if m.Image != "" && !isHTTPURL(m.Image) {
				t.Fatalf("image %q is not an http(s) URL", m.Image)
			}
		}
		if r.Handoff != (r.HandoffReason != "") {
			t.Fatalf("handoff %v with reason %q", r.Handoff, r.HandoffReason)
		}
	})
}

// TestAskParsesButtons: Rasa's buttons come back as the message's
// buttons, titles and payloads trimmed, untitled ones dropped, at most
// MaxButtons; a button without payload keeps its title as what the bot
// gets back when tapped (domain.BotInteractive).
func TestAskParsesButtons(t *testing.T) {
	var many []string
	for i := range MaxButtons + 5 {
		many = append(many, fmt.Sprintf(`{"title": "Option %d", "payload": "/o%d"}`, i, i))
	}
	reply, err := parseReply([]byte(`[
		{"text": "Taille ?", "buttons": [{"title": " Petit ", "payload": " /size{\"s\":\"S\"} "}, {"title": "Moyen"}, {"title": "", "payload": "/none"}]},
		{"text": "Beaucoup", "buttons": [` + strings.Join(many, ",") + `]}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Messages) != 2 {
		t.Fatalf("%d messages", len(reply.Messages))
	}
	got := reply.Messages[0]
	want := []domain.BotButton{{Title: "Petit", Payload: `/size{"s":"S"}`}, {Title: "Moyen"}}
	if got.Text != "Taille ?" || fmt.Sprint(got.Buttons) != fmt.Sprint(want) {
		t.Fatalf("first message %+v, want buttons %+v", got, want)
	}
	in, text := domain.BotInteractive(got.Text, got.Buttons)
	if in == nil || text != "" || in.Type != domain.InteractiveButtons || in.Options[1].ID != "Moyen" || in.Options[0].ID != `/size{"s":"S"}` {
		t.Fatalf("as interactive: %+v %q", in, text)
	}
	if n := len(reply.Messages[1].Buttons); n != MaxButtons {
		t.Fatalf("%d buttons kept, want %d", n, MaxButtons)
	}
}
