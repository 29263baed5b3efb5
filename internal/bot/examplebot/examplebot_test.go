package examplebot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard/switchboard/internal/bot"
	"github.com/switchboard/switchboard/internal/bot/examplebot"
	"github.com/switchboard/switchboard/internal/domain"
)

// startBot serves the example bot on loopback and counts the requests that
// reach it.
func startBot(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	h := examplebot.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestClientAgainstExampleBot runs the real client against the example bot
// end to end, the way the conversation workflow's activity will.
func TestClientAgainstExampleBot(t *testing.T) {
	srv, _ := startBot(t)
	c := bot.NewClient(nil, true) // loopback: private addresses allowed
	cfg := domain.Bot{URL: srv.URL + examplebot.WebhookPath, HandoffKeyword: "agent"}
	for _, tc := range []struct {
		name, message string
		texts         []string // substrings of the single message's text
		handoff       bool
	}{
		{"hello", "hello", []string{examplebot.WelcomeTextEN}, false},
		{"hi with punctuation", "Hi!", []string{examplebot.WelcomeTextEN}, false},
		{"bonjour", "Bonjour", []string{examplebot.WelcomeTextFR}, false},
		{"order with number", "where is my order 12345?", []string{"Order 12345: "}, false},
		{"commande with number", "Ma commande n°1234 ?", []string{"Commande 1234 : "}, false},
		{"order without number", "track an order", []string{examplebot.AskOrderTextEN}, false},
		{"commande without number", "suivre une commande", []string{examplebot.AskOrderTextFR}, false},
		{"agent", "agent", []string{examplebot.HandoffText}, true},
		{"human", "I want a HUMAN", []string{examplebot.HandoffText}, true},
		{"conseiller", "Parler à un conseiller", []string{examplebot.HandoffText}, true},
		{"handoff wins over order", "agent about order 12", []string{examplebot.HandoffText}, true},
		{"anything else", "what is the weather", []string{examplebot.FallbackText}, false},
		{"empty", "", []string{examplebot.FallbackText}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := c.Ask(context.Background(), cfg, "conv-42", tc.message)
			if err != nil {
				t.Fatal(err)
			}
			if len(reply.Messages) != 1 || reply.Handoff != tc.handoff {
				t.Fatalf("reply %+v", reply)
			}
			for _, want := range tc.texts {
				if !strings.Contains(reply.Messages[0].Text, want) {
					t.Errorf("text %q lacks %q", reply.Messages[0].Text, want)
				}
			}
			if tc.name == "hello" && (len(reply.Messages[0].Buttons) != 2 || reply.Messages[0].Buttons[0] != (domain.BotButton{Title: "Track an order", Payload: "order"})) {
				t.Errorf("hello's buttons: %+v", reply.Messages[0].Buttons)
			}
			if tc.handoff && reply.HandoffReason == "" {
				t.Error("handoff without a reason")
			}
		})
	}
}

func TestOrderStatusIsStable(t *testing.T) {
	a := examplebot.Answer("s", "order 777")
	b := examplebot.Answer("other", "ORDER 777 please")
	if a[0].Text != b[0].Text || a[0].RecipientID != "s" || b[0].RecipientID != "other" {
		t.Fatalf("%+v vs %+v", a, b)
	}
}

// TestClientRefusesLoopbackExampleBot: with private addresses refused, the
// client errors before any request reaches the bot.
func TestClientRefusesLoopbackExampleBot(t *testing.T) {
	srv, hits := startBot(t)
	_, err := bot.NewClient(nil, false).Ask(context.Background(), domain.Bot{URL: srv.URL + examplebot.WebhookPath}, "conv-42", "hello")
	if !errors.Is(err, bot.ErrForbiddenAddress) {
		t.Fatalf("err = %v, want ErrForbiddenAddress", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the bot saw %d requests", n)
	}
}

func TestExampleBotHTTP(t *testing.T) {
	srv, _ := startBot(t)
	for _, tc := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"GET", "/health", "", http.StatusOK, `"status":"ok"`},
		{"POST", examplebot.WebhookPath, `{"sender": "s1", "message": "hello"}`, http.StatusOK, `"recipient_id":"s1"`},
		{"POST", examplebot.WebhookPath, `{"sender": "s1", "message": "agent"}`, http.StatusOK, `"custom":{"handoff":true`},
		{"POST", examplebot.WebhookPath, `not json`, http.StatusBadRequest, "expected"},
		{"POST", examplebot.WebhookPath, `{"message": "` + strings.Repeat("x", 70<<10) + `"}`, http.StatusBadRequest, "expected"},
		{"GET", examplebot.WebhookPath, "", http.StatusMethodNotAllowed, ""},
		{"POST", "/nope", "{}", http.StatusNotFound, ""},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, body)
		}
		if tc.status == http.StatusOK && tc.path == examplebot.WebhookPath {
			var items []map[string]any
			if err := json.Unmarshal(body, &items); err != nil || len(items) == 0 {
				t.Errorf("not a Rasa answer: %s", body)
			}
		}
	}
}
