package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
)

// Inbound media are fetched from Twilio, with the account's credentials,
// and passed through: agents never need Twilio credentials, and nothing but
// Twilio's media hosts (or the configured API base: the emulator) is ever
// fetched, whatever URL a message row holds.
const (
	maxMediaBytes    = 16 << 20 // Twilio's limit on one media item
	mediaFetchLimit  = time.Minute
	maxMediaRedirect = 5
)

// twilioMediaHost reports whether a media URL may be fetched: https on
// api.twilio.com or a *.twiliocdn.com host (Twilio redirects media there),
// or exactly the scheme and host of SWITCHBOARD_TWILIO_API_BASE.
func (s *Server) twilioMediaHost(u *url.URL) bool {
	if s.cfg.TwilioAPIBase != "" {
		if b, err := url.Parse(s.cfg.TwilioAPIBase); err == nil && b.Host != "" &&
			strings.EqualFold(b.Scheme, u.Scheme) && strings.EqualFold(b.Host, u.Host) {
			return true
		}
	}
	if u.Scheme != "https" || (u.Port() != "" && u.Port() != "443") || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return host == "api.twilio.com" || strings.HasSuffix(host, ".twiliocdn.com")
}

// mediaClient follows redirects only to allowed hosts. Go drops the
// Authorization header on a redirect to another host, so Twilio's
// credentials never reach the CDN.
func (s *Server) mediaClient() *http.Client {
	return &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxMediaRedirect {
			return errors.New("too many redirects")
		}
		if !s.twilioMediaHost(req.URL) {
			return fmt.Errorf("redirect to %s refused: not a Twilio media host", req.URL.Host)
		}
		return nil
	}}
}

// mediaBody is the upstream body handed to Fiber: it ends the fetch's
// context when Fiber closes it after sending.
type mediaBody struct {
	io.Reader
	body   io.Closer
	cancel context.CancelFunc
}

func (m mediaBody) Close() error {
	err := m.body.Close()
	m.cancel()
	return err
}

// streamMedia answers with media number index of an inbound message of
// conv: fetched from Twilio, content type passed through, at most
// maxMediaBytes (502 beyond).
func (s *Server) streamMedia(c *fiber.Ctx, conv domain.Conversation, messageID, index string) error {
	msg, err := s.conversations.GetMessage(c.UserContext(), messageID)
	if err != nil || msg.ConversationID != conv.ID || msg.Direction != domain.Inbound {
		return domain.Errorf(domain.CodeNotFound, "message %s not found in this conversation", messageID)
	}
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= len(msg.Media) {
		return domain.Errorf(domain.CodeNotFound, "message %s has no media %s (it has %d)", messageID, index, len(msg.Media))
	}
	creds, err := s.tokens.Credentials(c.UserContext(), conv.AccountID)
	if err != nil {
		return err
	}
	resp, cancel, err := s.fetchMedia(c.UserContext(), msg.Media[i].URL, creds)
	if err != nil {
		s.logger.Warn("media download failed", "message_id", messageID, "err", err)
		return err
	}
	return passMedia(c, resp, cancel)
}

// fetchMedia starts the download of a Twilio media URL with the account's
// credentials. The caller owns the response and cancel.
func (s *Server) fetchMedia(ctx context.Context, rawURL string, creds domain.Credentials) (*http.Response, context.CancelFunc, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !s.twilioMediaHost(u) {
		return nil, nil, domain.Errorf(domain.CodeTwilio, "the media's URL is not on a Twilio media host: it is not fetched")
	}
	// The download outlives the handler when it streams: its own deadline.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mediaFetchLimit)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	req.SetBasicAuth(creds.AccountSID, creds.AuthToken)
	resp, err := s.mediaClient().Do(req)
	if err != nil {
		cancel()
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL carries the account SID: keep it out of answers
		}
		return nil, nil, domain.Errorf(domain.CodeTwilio, "downloading the media from Twilio failed: %v", err)
	}
	return resp, cancel, nil
}

// passMedia answers with the upstream media: streamed when its length is
// known (and within the cap), else read first so that too large is still
// a clean 502.
func passMedia(c *fiber.Ctx, resp *http.Response, cancel context.CancelFunc) error {
	body := mediaBody{Reader: resp.Body, body: resp.Body, cancel: cancel}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		body.Close()
		return domain.Errorf(domain.CodeNotFound, "Twilio no longer has this media")
	case resp.StatusCode != http.StatusOK:
		body.Close()
		return domain.Errorf(domain.CodeTwilio, "Twilio answered %d for this media", resp.StatusCode)
	case resp.ContentLength > maxMediaBytes:
		body.Close()
		return mediaTooLarge()
	}
	contentType := resp.Header.Get(fiber.HeaderContentType)
	if resp.ContentLength >= 0 {
		setMediaHeaders(c, contentType)
		body.Reader = io.LimitReader(resp.Body, resp.ContentLength)
		c.Context().SetBodyStream(body, int(resp.ContentLength))
		return nil
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		return domain.Errorf(domain.CodeTwilio, "downloading the media from Twilio failed")
	}
	if len(data) > maxMediaBytes {
		return mediaTooLarge()
	}
	setMediaHeaders(c, contentType)
	return c.Send(data)
}

func mediaTooLarge() error {
	return domain.Errorf(domain.CodeTwilio, "the media is larger than %d MiB, Twilio's limit: not passed through", maxMediaBytes>>20)
}

// setMediaHeaders passes the content type through and keeps a customer's
// file from running as a page of ours: no sniffing, a sandbox, and a
// download for anything but pictures, sound and video.
func setMediaHeaders(c *fiber.Ctx, contentType string) {
	if contentType == "" {
		contentType = fiber.MIMEOctetStream
	}
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'")
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	disposition := "attachment"
	for _, p := range []string{"image/", "audio/", "video/"} {
		if strings.HasPrefix(strings.ToLower(contentType), p) {
			disposition = "inline"
		}
	}
	c.Set(fiber.HeaderContentDisposition, disposition)
}

// agentMedia is GET /api/v1/agent/conversations/:id/media/:message_id/:index.
func (s *Server) agentMedia(c *fiber.Ctx) error {
	conv, err := s.agentConversation(c, true)
	if err != nil {
		return err
	}
	return s.streamMedia(c, conv.Conversation, c.Params("message_id"), c.Params("index"))
}

// adminMedia is GET /api/v1/conversations/:id/media/:message_id/:index.
func (s *Server) adminMedia(c *fiber.Ctx) error {
	conv, err := s.conversations.GetConversation(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.streamMedia(c, conv, c.Params("message_id"), c.Params("index"))
}
