// Package examplebot is a tiny bot speaking the Rasa REST channel protocol,
// so that `make dev` and the tests have a first responder without running
// Rasa. It greets, tracks fake orders, and hands over to a person.
package examplebot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

// WebhookPath is where Rasa's REST channel listens, kept identical so that a
// workstream can switch between this bot and a real Rasa by host alone.
const WebhookPath = "/webhooks/rest/webhook"

// Texts the bot answers with; tests and demos match on them.
const (
	HandoffText    = "Je vous passe un conseiller"
	FallbackText   = "I did not understand, type 'agent' to talk to a person"
	WelcomeTextEN  = "Hello! I am Switchboard's demo bot. What can I do for you?"
	WelcomeTextFR  = "Bonjour ! Je suis le bot de démonstration de Switchboard. Que puis-je faire pour vous ?"
	AskOrderTextEN = "Which order? Type \"order\" and its number, for example: order 12345"
	AskOrderTextFR = "Quelle commande ? Écrivez « commande » et son numéro, par exemple : commande 12345"
)

// maxRequestBytes bounds a request: a WhatsApp message is at most a few KiB.
const maxRequestBytes = 64 << 10

// Handler serves POST /webhooks/rest/webhook and GET /health.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+WebhookPath, webhook)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return mux
}

type request struct {
	Sender  string `json:"sender"`
	Message string `json:"message"`
}

// Message is one item of the answer, as Rasa writes it.
type Message struct {
	RecipientID string         `json:"recipient_id"`
	Text        string         `json:"text,omitempty"`
	Image       string         `json:"image,omitempty"`
	Buttons     []Button       `json:"buttons,omitempty"`
	Custom      map[string]any `json:"custom,omitempty"`
}

// Button is a quick reply; Switchboard shows its title under the text.
type Button struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

func webhook(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "expected {\"sender\": ..., \"message\": ...}"})
		return
	}
	writeJSON(w, http.StatusOK, Answer(req.Sender, req.Message))
}

// Answer is the bot's whole brain, exported for tests and demos.
func Answer(sender, message string) []Message {
	words := tokenize(message)
	has := func(ws ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(ws, w) })
	}
	reply := func(m Message) []Message {
		m.RecipientID = sender
		return []Message{m}
	}
	french := has("bonjour", "salut", "bonsoir", "commande", "commandes", "conseiller", "merci")
	switch {
	case has("agent", "agents", "human", "humain", "conseiller", "person"):
		return reply(Message{Text: HandoffText, Custom: map[string]any{
			"handoff": true, "reason": "the customer asked for a person",
		}})
	case has("order", "orders", "commande", "commandes"):
		number := firstNumber(words)
		switch {
		case number == "" && french:
			return reply(Message{Text: AskOrderTextFR})
		case number == "":
			return reply(Message{Text: AskOrderTextEN})
		case french:
			return reply(Message{Text: fmt.Sprintf("Commande %s : %s.", number, orderStatus(number, true))})
		default:
			return reply(Message{Text: fmt.Sprintf("Order %s: %s.", number, orderStatus(number, false))})
		}
	case has("bonjour", "salut", "bonsoir"):
		return reply(Message{Text: WelcomeTextFR, Buttons: []Button{
			{Title: "Suivre une commande", Payload: "commande"},
			{Title: "Parler à un conseiller", Payload: "conseiller"},
		}})
	case has("hello", "hi", "hey"):
		return reply(Message{Text: WelcomeTextEN, Buttons: []Button{
			{Title: "Track an order", Payload: "order"},
			{Title: "Talk to an agent", Payload: "agent"},
		}})
	}
	return reply(Message{Text: FallbackText})
}

// orderStatus is fake but stable: the same number always gives the same
// status, so demos and tests can rely on it.
func orderStatus(number string, french bool) string {
	sum := 0
	for _, r := range number {
		sum += int(r - '0')
	}
	en := []string{"being prepared", "shipped, delivery expected within 2 days", "out for delivery today", "delivered"}
	fr := []string{"en préparation", "expédiée, livraison prévue sous 2 jours", "en cours de livraison aujourd'hui", "livrée"}
	if french {
		return fr[sum%len(fr)]
	}
	return en[sum%len(en)]
}

// tokenize lowercases and splits on anything that is not a letter or digit,
// so "Commande n°1234 ?" gives commande, n, 1234.
func tokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func firstNumber(words []string) string {
	for _, w := range words {
		if len(w) <= 20 && strings.Trim(w, "0123456789") == "" {
			return w
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
