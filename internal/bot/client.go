// Package bot talks to a workstream's bot over the Rasa REST channel
// protocol: POST {"sender", "message"} to the webhook, get back a JSON array
// of messages. The conversation workflow calls Ask from an activity and
// hands the conversation to a human whenever Ask fails.
package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/internal/domain"
)

// Limits on what a bot may send back.
const (
	// MaxResponseBytes bounds the reply body: a bot is configuration, not a
	// trusted peer, and must not exhaust a worker's memory.
	MaxResponseBytes = 1 << 20
	// MaxMessages bounds how many messages one answer may make the customer
	// receive; extra items are dropped.
	MaxMessages = 20
	// MaxButtons bounds the buttons of one message; extra ones are
	// dropped. Up to 3 go out as quick-reply buttons, up to 10 as a list,
	// more as numbered text (domain.BotInteractive).
	MaxButtons = 20
	// maxReasonRunes bounds the handoff reason kept on the conversation.
	maxReasonRunes = 200
)

// DefaultHandoffReason is the reason given when the bot asks for a human
// without saying why.
const DefaultHandoffReason = "the bot handed the conversation over"

// Client calls bots. It is safe for concurrent use; build one per worker.
type Client struct {
	hc *http.Client
	// err is a configuration problem found by NewClient, reported by every
	// Ask so that the workflow fails open instead of the worker crashing.
	err error
}

// NewClient returns a client using a copy of httpClient (nil: a default
// one). Unless allowPrivate, connections to private, loopback, link-local
// and unspecified addresses are refused when dialling — after DNS
// resolution, so a name that later resolves to an internal address (DNS
// rebinding) is refused too. The guard needs an *http.Transport (nil means
// http.DefaultTransport); it is cloned, and its proxy settings are dropped
// because through a proxy the guard would only see the proxy's address.
// Redirects are not followed: a webhook that redirects is misconfigured, and
// following would turn the POST into a GET.
func NewClient(httpClient *http.Client, allowPrivate bool) *Client {
	hc := &http.Client{}
	if httpClient != nil {
		copied := *httpClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if allowPrivate {
		return &Client{hc: hc}
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return &Client{hc: hc, err: fmt.Errorf("bot: refusing to call bots: the private-address guard needs an *http.Transport, got %T", rt)}
	}
	tr = tr.Clone()
	tr.Proxy = nil
	tr.DialContext = guardedDialer().DialContext
	// Any custom dialer would bypass the guard.
	tr.DialTLSContext = nil
	//lint:ignore SA1019 cleared on purpose: a deprecated dialer would bypass the guard
	tr.Dial = nil
	//lint:ignore SA1019 idem
	tr.DialTLS = nil
	hc.Transport = tr
	return &Client{hc: hc}
}

type askRequest struct {
	Sender  string `json:"sender"`
	Message string `json:"message"`
}

// Ask sends the customer's message to the bot and returns its answer.
// sender identifies the conversation to the bot (Rasa keeps its tracker per
// sender); prefer an opaque id such as the conversation id over the
// customer's number. Any failure — timeout (bot.Timeout, default 10s),
// non-2xx status, malformed JSON, a body over 1 MiB, a refused address —
// is an error, and the caller hands the conversation to a human. Errors
// never contain the message, the bot's answer or the URL's query string
// (where Rasa tokens live).
func (c *Client) Ask(ctx context.Context, bot domain.Bot, sender, message string) (domain.BotReply, error) {
	if c.err != nil {
		return domain.BotReply{}, c.err
	}
	u, err := url.Parse(strings.TrimSpace(bot.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return domain.BotReply{}, errors.New("bot: url must be an absolute http or https URL")
	}
	where := redactedURL(u)
	timeout := bot.Timeout.D()
	if timeout <= 0 {
		timeout = domain.DefaultBotTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	body, err := json.Marshal(askRequest{Sender: sender, Message: message})
	if err != nil {
		return domain.BotReply{}, fmt.Errorf("bot: encoding the request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return domain.BotReply{}, fmt.Errorf("bot %s: %w", where, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Switchboard")
	resp, err := c.hc.Do(req)
	if err != nil {
		return domain.BotReply{}, describe(ctx, where, timeout, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused; the body itself
		// is not reported (it may echo the customer's message).
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return domain.BotReply{}, fmt.Errorf("bot %s answered HTTP %d", where, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return domain.BotReply{}, describe(ctx, where, timeout, err)
	}
	if len(data) > MaxResponseBytes {
		return domain.BotReply{}, fmt.Errorf("bot %s: answer larger than %d bytes", where, MaxResponseBytes)
	}
	reply, err := parseReply(data)
	if err != nil {
		return domain.BotReply{}, fmt.Errorf("bot %s: %w", where, err)
	}
	return reply, nil
}

// describe turns a transport error into a readable one that keeps the cause
// for errors.Is (context.DeadlineExceeded, ErrForbiddenAddress).
func describe(ctx context.Context, where string, timeout time.Duration, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the full URL, query included
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("bot %s did not answer within %s: %w", where, timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("bot %s: %w", where, err)
}

// redactedURL is scheme://host/path: no user info, no query (Rasa's
// ?token=), no fragment.
func redactedURL(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// wireMessage is one item of the Rasa REST answer.
type wireMessage struct {
	RecipientID string          `json:"recipient_id"`
	Text        string          `json:"text"`
	Image       string          `json:"image"`
	Buttons     []wireButton    `json:"buttons"`
	Custom      json.RawMessage `json:"custom"`
}

type wireButton struct {
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

// parseReply decodes the answer. Items with nothing to show (only custom,
// say) add no message. Buttons are kept as the message's buttons (titled
// ones, at most MaxButtons): the conversation workflow sends them as
// WhatsApp quick-reply buttons or a list picker inside the session, or as
// numbered text (domain.BotInteractive), and a tap comes back to the bot
// as the button's payload.
func parseReply(data []byte) (domain.BotReply, error) {
	var items []wireMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return domain.BotReply{}, errors.New("answer is not a JSON array of messages")
	}
	var r domain.BotReply
	for _, it := range items {
		if handoff, reason := customHandoff(it.Custom); handoff && !r.Handoff {
			r.Handoff, r.HandoffReason = true, reason
		}
		text := it.Text
		var buttons []domain.BotButton
		for _, b := range it.Buttons {
			title := strings.TrimSpace(b.Title)
			if title == "" || len(buttons) == MaxButtons {
				continue
			}
			buttons = append(buttons, domain.BotButton{Title: title, Payload: strings.TrimSpace(b.Payload)})
		}
		image := strings.TrimSpace(it.Image)
		if !isHTTPURL(image) {
			// Twilio can only fetch absolute http(s) media.
			image = ""
		}
		if strings.TrimSpace(text) == "" && image == "" && len(buttons) == 0 {
			continue
		}
		if len(r.Messages) < MaxMessages {
			r.Messages = append(r.Messages, domain.BotMessage{Text: text, Image: image, Buttons: buttons})
		}
	}
	return r, nil
}

// customHandoff reads custom.handoff, which must be the JSON boolean true;
// custom may be any JSON value, and anything else is no handoff.
func customHandoff(raw json.RawMessage) (bool, string) {
	if len(raw) == 0 {
		return false, ""
	}
	var c struct {
		Handoff       any `json:"handoff"`
		Reason        any `json:"reason"`
		HandoffReason any `json:"handoff_reason"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.Handoff != true {
		return false, ""
	}
	for _, v := range []any{c.Reason, c.HandoffReason} {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			return true, truncate(strings.TrimSpace(s), maxReasonRunes)
		}
	}
	return true, DefaultHandoffReason
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
