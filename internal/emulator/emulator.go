// Package emulator is a local stand-in for Twilio's WhatsApp messaging API, used by
// `switchboard dev` and by integration tests. It speaks Twilio's real wire formats:
//
//   - POST /2010-04-01/Accounts/{AccountSid}/Messages.json (basic auth, form body)
//     answers 201 with a Message resource, then posts signed status callbacks
//     queued → sent → delivered → read (or failed/undelivered with an ErrorCode);
//   - GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json fetches a message;
//   - GET  /2010-04-01/Accounts/{AccountSid}/Messages.json lists them, newest
//     first (To, From, DateSent filters; PageSize, Page, PageToken paging);
//   - GET  /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}
//     serves inbound media bytes (basic auth);
//   - GET  /v1/ContentAndApprovals lists the Content API templates added with
//     AddContent, with their WhatsApp approval (basic auth, paged);
//   - POST /v1/Content creates content (JSON; twilio/text, twilio/quick-reply,
//     twilio/list-picker with Twilio's session limits), answered 201;
//   - /emulator/... is a JSON control API (inbound messages, sent messages, failure
//     injection: see Failure) and /emulator/phone a "customer phone" page.
//
// The control API has no authentication: the emulator is for development and tests only.
//
// # Pointing twilio-go at the emulator
//
// twilio-go (v1.31.0) hardcodes https://api.twilio.com in every ApiService and has no
// base-URL setting (RequestHandler only rewrites the edge/region parts of the host).
// Wrap client.Client in a client.BaseClient whose SendRequest swaps scheme and host:
//
//	type baseURLClient struct {
//		*client.Client
//		base string // e.g. "http://127.0.0.1:8081", no trailing slash
//	}
//
//	func (c baseURLClient) SendRequest(method, rawURL string, data url.Values,
//		headers map[string]interface{}, body ...byte) (*http.Response, error) {
//		u, err := url.Parse(rawURL)
//		if err != nil {
//			return nil, err
//		}
//		return c.Client.SendRequest(method, c.base+u.RequestURI(), data, headers, body...)
//	}
//
//	cl := &client.Client{Credentials: client.NewCredentials(sid, token)}
//	cl.SetAccountSid(sid)
//	rc := twilio.NewRestClientWithParams(twilio.ClientParams{
//		Client: baseURLClient{Client: cl, base: emulatorURL},
//	})
//	msg, err := rc.Api.CreateMessage(params)
//
// (When ClientParams.Client is set, Username/Password are ignored: the credentials
// come from the wrapped client.Client.) TestTwilioGoClient keeps this recipe true.
package emulator

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures an Emulator.
type Config struct {
	Logger *slog.Logger
	// Delay between the callbacks queued→sent→delivered→read; default 20ms.
	StatusCallbackDelay time.Duration
	// PublicURL is the base URL where this emulator is reachable (e.g.
	// http://127.0.0.1:8081); used to build inbound media URLs.
	PublicURL string
	// RatePerSender: if >0, sends above this many per second per From number get
	// 429 code 20429 (Twilio queues instead; the emulator answers 429 so clients
	// prove their backoff). 0 = unlimited.
	RatePerSender int
}

// Emulator is an in-memory fake of Twilio's messaging API. Its methods are safe for
// concurrent use.
type Emulator struct {
	log        *slog.Logger
	delay      time.Duration
	rate       int
	httpClient *http.Client

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	closed      bool
	publicURL   string
	accounts    map[string]string            // AccountSid -> auth token
	senders     map[string]map[string]string // AccountSid -> sender E.164 -> inbound URL
	messages    []*message                   // accepted outbound messages, arrival order
	bySID       map[string]*message
	changed     chan struct{} // closed and replaced whenever messages change
	failures    []*Failure
	held        atomic.Int64           // send requests being held (Failure.Delay, HoldAfterAccept)
	creates     atomic.Int64           // message-create requests received (authenticated)
	rateLimited atomic.Int64           // sends refused with 429 over a sender's rate
	sendTimes   map[string][]time.Time // From -> recent accepted send times (rate limit)
	inbound     []*inboundRecord
	media       map[string]*mediaItem // MediaSid -> bytes
	contents    map[string][]Content  // AccountSid -> Content API items, in creation order
}

// New returns an Emulator. Call Close when done to stop pending status callbacks.
func New(cfg Config) *Emulator {
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	delay := cfg.StatusCallbackDelay
	if delay <= 0 {
		delay = 20 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Emulator{
		log:        lg.With("component", "twilio-emulator"),
		delay:      delay,
		rate:       cfg.RatePerSender,
		httpClient: &http.Client{Timeout: 15 * time.Second},
		ctx:        ctx,
		cancel:     cancel,
		publicURL:  strings.TrimRight(cfg.PublicURL, "/"),
		accounts:   map[string]string{},
		senders:    map[string]map[string]string{},
		bySID:      map[string]*message{},
		changed:    make(chan struct{}),
		sendTimes:  map[string][]time.Time{},
		media:      map[string]*mediaItem{},
	}
}

// Close stops pending status callbacks and waits for their goroutines.
func (e *Emulator) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
}

// SetPublicURL sets the base URL of the emulator, for when the listener address is
// known only after New.
func (e *Emulator) SetPublicURL(u string) {
	e.mu.Lock()
	e.publicURL = strings.TrimRight(u, "/")
	e.mu.Unlock()
}

func (e *Emulator) getPublicURL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.publicURL
}

// AddAccount registers an account; HTTP basic auth sid:authToken is accepted for it.
func (e *Emulator) AddAccount(sid, authToken string) {
	e.mu.Lock()
	e.accounts[sid] = authToken
	e.mu.Unlock()
	e.log.Info("account added", "account_sid", sid)
}

// ConfigureSender registers a WhatsApp sender number (E.164, "whatsapp:" prefix
// tolerated) of an account and the webhook URL Twilio would call for its inbound
// messages.
func (e *Emulator) ConfigureSender(accountSID, senderE164, inboundURL string) {
	n := bareNumber(senderE164)
	e.mu.Lock()
	if e.senders[accountSID] == nil {
		e.senders[accountSID] = map[string]string{}
	}
	e.senders[accountSID][n] = inboundURL
	e.mu.Unlock()
	e.log.Info("sender configured", "account_sid", accountSID, "sender", maskNumber(n))
}

// Handler serves the Twilio REST endpoints, media, the control API and the phone page.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{AccountSid}/Messages.json", e.handleCreate)
	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/Messages.json", e.handleList)
	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}", e.handleFetch)
	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}", e.handleMedia)
	mux.HandleFunc("GET /v1/ContentAndApprovals", e.handleContentAndApprovals)
	mux.HandleFunc("POST /v1/Content", e.handleContentCreate)
	e.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeNotFound(w, r)
	})
	return refuseCrossSite(mux)
}

// authenticate checks basic auth against the path's AccountSid. It writes a 401 and
// returns false when the credentials are missing or wrong.
func (e *Emulator) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	pathSID := r.PathValue("AccountSid")
	user, pass, ok := r.BasicAuth()
	e.mu.Lock()
	token, known := e.accounts[user]
	e.mu.Unlock()
	if !ok || !known || user != pathSID || !constantTimeEqual(pass, token) {
		e.log.Warn("rejected credentials", "path_account_sid", pathSID, "has_auth", ok)
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return "", false
	}
	return user, true
}

func (e *Emulator) token(accountSID string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.accounts[accountSID]
	return t, ok
}

// notifyLocked wakes WaitForMessages callers. e.mu must be held.
func (e *Emulator) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}
