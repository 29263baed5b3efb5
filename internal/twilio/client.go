// Package twilio is Switchboard's only door to Twilio: message sends, the
// Content API and webhook signatures, all through twilio-go.
//
// Every call gets its own light twilio-go handler bound to the caller's
// context, so cancellation and per-call timeouts work even though twilio-go's
// API takes no context; connections are pooled in one transport per Client.
// twilio-go does not retry the calls used here, and neither does this package:
// retries belong to Temporal.
package twilio

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/switchboard/switchboard/internal/domain"
)

// DefaultTimeout bounds each HTTP call to Twilio when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config configures a Client.
type Config struct {
	// APIBase is empty for the real Twilio; otherwise a base URL such as
	// http://127.0.0.1:8081 (the emulator) that receives every request meant
	// for *.twilio.com (api., content., ...), path and query unchanged.
	APIBase string
	// Timeout bounds each HTTP call (connect, headers and body); default 10s.
	Timeout time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// RatePerSender paces message sends per (account, sender) to this many
	// per second (Twilio's per-sender throughput); 0 sends at once.
	RatePerSender float64
	// Slots, when set, shares that pace with every process using the same
	// source (several workers); otherwise it holds in this process only.
	Slots SlotSource
}

// Client calls Twilio's REST API. It is safe for concurrent use.
type Client struct {
	base      *url.URL // nil: real Twilio
	baseErr   error    // invalid Config.APIBase: every call fails with it
	timeout   time.Duration
	log       *slog.Logger
	transport http.RoundTripper // shared connection pool
	limiter   *senderLimiter    // nil: sends are not paced
}

// NewClient returns a Client. An invalid APIBase is logged, and every call
// then fails with a Final error naming it.
func NewClient(cfg Config) *Client {
	c := &Client{timeout: cfg.Timeout, log: cfg.Logger, limiter: newSenderLimiter(cfg.RatePerSender, cfg.Slots)}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With("component", "twilio")
	if cfg.APIBase != "" {
		c.base, c.baseErr = parseBase(cfg.APIBase)
		if c.baseErr != nil {
			c.log.Error("invalid Twilio API base URL", "error", c.baseErr)
		}
	}
	c.transport = http.DefaultTransport
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		c.transport = t.Clone()
	}
	return c
}

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twilio: API base %q must be an absolute http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("twilio: API base %q must not have a query or fragment", s)
	}
	return u, nil
}

// call is one logical operation (a send, a listing) against one account.
type call struct {
	handler *client.RequestHandler
	rt      *callTransport
}

// newCall builds a twilio-go request handler for creds whose HTTP requests
// run under ctx. The caller must cancel ctx when the operation is over.
func (c *Client) newCall(ctx context.Context, creds domain.Credentials) (*call, error) {
	if c.baseErr != nil {
		return nil, &Error{Kind: Final, Message: c.baseErr.Error()}
	}
	if creds.AccountSID == "" || creds.AuthToken == "" {
		return nil, &Error{Kind: Final, Message: "missing Twilio account SID or auth token"}
	}
	rt := &callTransport{ctx: ctx, timeout: c.timeout, base: c.base, next: c.transport}
	tc := &client.Client{
		Credentials: client.NewCredentials(creds.AccountSID, creds.AuthToken),
		HTTPClient: &http.Client{
			Transport: rt,
			// Like twilio-go's default client: never follow redirects.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	tc.SetAccountSid(creds.AccountSID)
	h := client.NewRequestHandler(tc)
	if c.base != nil {
		// TWILIO_EDGE/TWILIO_REGION would rewrite hosts; meaningless for the emulator.
		h.Edge, h.Region = "", ""
	}
	return &call{handler: h, rt: rt}, nil
}

// classify turns err into an *Error using what the transport saw: an error
// body twilio-go could not decode still has an HTTP status, and a success
// body we could not decode means Twilio acted, so it must not be retried.
// A 5xx, or no answer to a request that went out whole, is Ambiguous.
func (cl *call) classify(err error) *Error {
	e := Classify(err)
	if e.HTTPStatus == 0 && e.Code == 0 {
		switch st := cl.rt.lastStatus(); {
		case st >= 400:
			e = fromHTTP(st, 0, "unreadable error response: "+err.Error(), "", err)
		case st >= 200 && st < 300:
			return &Error{Kind: Final, HTTPStatus: st, Message: "Twilio accepted the request but its response was unreadable (not retried, to avoid a duplicate): " + err.Error(), cause: err}
		}
	}
	if e.Kind == Retryable {
		if e.HTTPStatus != 0 {
			e.Ambiguous = e.HTTPStatus >= 500
		} else {
			e.Ambiguous = cl.rt.wroteRequest()
		}
	}
	return e
}
