package twilio

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// callTransport runs twilio-go's requests under the caller's context with a
// per-request timeout, sends *.twilio.com requests to the configured API base,
// and remembers the last HTTP status for error classification.
type callTransport struct {
	ctx     context.Context
	timeout time.Duration
	base    *url.URL
	next    http.RoundTripper
	status  atomic.Int32
	// written: a request went out whole. Failing after that (no answer, a
	// reset, a timeout), Twilio may have acted on it: the outcome is
	// ambiguous. Failing before (refused, DNS, TLS), it cannot have.
	written atomic.Bool
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(t.ctx, t.timeout)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				t.written.Store(true)
			}
		},
	})
	out := req.Clone(ctx) // twilio-go builds requests on context.Background()
	if t.base != nil && isTwilioHost(out.URL.Hostname()) {
		rebase(out.URL, t.base)
		out.Host = ""
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, err
	}
	t.status.Store(int32(resp.StatusCode))
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

func (t *callTransport) lastStatus() int { return int(t.status.Load()) }

func (t *callTransport) wroteRequest() bool { return t.written.Load() }

func isTwilioHost(h string) bool {
	h = strings.ToLower(h)
	return h == "twilio.com" || strings.HasSuffix(h, ".twilio.com")
}

// rebase points u at base, keeping u's path (after base's own path) and query.
func rebase(u, base *url.URL) {
	u.Scheme, u.Host, u.User = base.Scheme, base.Host, nil
	if base.Path != "" {
		u.Path = base.Path + u.Path
		u.RawPath = ""
	}
}

// cancelBody releases the request's timeout context once the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
