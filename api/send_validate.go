package api

import (
	"context"
	"errors"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/internal/netguard"
)

// WhatsApp's and Twilio's limits on what one message carries.
const (
	// maxTextRunes is Twilio's limit on Body (error 21617 beyond); WhatsApp
	// itself would take 4096, but nothing longer than this reaches it.
	maxTextRunes  = 1600
	maxMediaURLs  = 10 // Twilio's MediaUrl limit per message
	maxMediaURL   = 2048
	mediaDNSLimit = 2 * time.Second
)

// checkSendInput validates a send request (admin or agent) before it
// reaches the workflow: its shape, text length and media URLs. The
// workflow checks the rest (window, attachments allowed, closed).
func (s *Server) checkSendInput(ctx context.Context, in sendInput) error {
	switch {
	case in.Template != nil && (in.Text != "" || len(in.MediaURLs) > 0 || in.Interactive != nil):
		return invalid("send either a template or text and media_urls (or interactive), not both")
	case in.Interactive != nil && (in.Text != "" || len(in.MediaURLs) > 0):
		return invalid("send interactive alone: its body is the message's text, and WhatsApp takes no media with buttons or a list")
	case in.Interactive != nil:
		return in.Interactive.Validate() // 422 UNSENDABLE, naming the field
	case in.Template == nil && in.Text == "" && len(in.MediaURLs) == 0:
		return invalid("text, media_urls, interactive or template is required")
	case utf8.RuneCountInString(in.Text) > maxTextRunes:
		return invalid("text is longer than %d characters, the most Twilio sends in one message (WhatsApp's own limit, 4096, is never reached through Twilio): split it", maxTextRunes)
	case len(in.MediaURLs) > maxMediaURLs:
		return invalid("media_urls: at most %d per message (Twilio's limit), got %d", maxMediaURLs, len(in.MediaURLs))
	}
	for i, raw := range in.MediaURLs {
		if err := s.checkMediaURL(ctx, raw); err != nil {
			return invalid("media_urls[%d]: %s", i, err.Error())
		}
	}
	return nil
}

// checkMediaURL accepts a URL Twilio can fetch: https, with a host that is
// not (and does not resolve to) a private, loopback, link-local or
// unspecified address, unless SWITCHBOARD_ALLOW_PRIVATE_TARGETS. A name
// that does not resolve from here is let through: Twilio resolves it from
// the internet, and reports a failure as the message's status.
func (s *Server) checkMediaURL(ctx context.Context, raw string) error {
	if len(raw) > maxMediaURL {
		return errors.New("the URL is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return errors.New("not an absolute URL")
	}
	if u.Scheme != "https" {
		return errors.New("must be an https URL (Twilio fetches media over HTTPS), got " + u.Scheme)
	}
	if u.User != nil {
		return errors.New("must not carry credentials")
	}
	if s.cfg.AllowPrivateTargets {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, mediaDNSLimit)
	defer cancel()
	err = netguard.CheckHost(ctx, nil, u.Hostname())
	switch {
	case errors.Is(err, netguard.ErrForbiddenAddress):
		return errors.New("host " + u.Hostname() + " is a private, loopback, link-local or unspecified address: Twilio could not fetch it")
	case err != nil && !errors.Is(err, netguard.ErrUnresolved):
		return err
	}
	return nil
}
