package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Twilio downloads each MediaUrl of a send itself, anonymously, shortly
// after accepting it: a HEAD, then a GET (Twilio's "Accepted content types
// for media"). A URL that does not answer 200, or answers a Content-Type
// WhatsApp does not take, fails the message with 63019; the phone shows
// the copy Twilio (here: the emulator) downloaded, never the URL itself.

// The emulator only ever downloads from this machine (a loopback
// address or localhost): a MediaUrl elsewhere is recorded as not fetched
// (Skipped) and the message goes on, as it did before downloads existed.
// Tests and dev point SWITCHBOARD_PUBLIC_BASE_URL at 127.0.0.1.

// maxFetchedMedia is WhatsApp's limit on one message's media.
const maxFetchedMedia = 16 << 20

// MediaFetch is what the emulator got when it fetched one MediaUrl.
type MediaFetch struct {
	URL         string `json:"url"`
	HeadStatus  int    `json:"head_status"`
	Status      int    `json:"status"` // of the GET; 0 when it got no answer
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256,omitempty"` // hex, of the bytes received
	MediaSID    string `json:"media_sid,omitempty"`
	Skipped     bool   `json:"skipped,omitempty"` // not on this machine: never fetched
	Error       string `json:"error,omitempty"`
}

// fetchOK: a download Twilio would send on.
func (f MediaFetch) fetchOK() bool { return f.Error == "" && !f.Skipped }

// fetchMedia downloads m's MediaUrls as Twilio does, records each result on
// m and keeps the bytes for the phone. It returns 63019 when one failed.
func (e *Emulator) fetchMedia(m *message) int {
	var fetches []MediaFetch
	failed := 0
	for _, u := range m.MediaURLs {
		f, data := e.fetchOne(u)
		switch {
		case f.Skipped:
		case f.fetchOK():
			f.MediaSID = newSID("ME")
			e.mu.Lock()
			e.media[f.MediaSID] = &mediaItem{accountSID: m.AccountSID, messageSID: m.SID, contentType: f.ContentType, data: data, created: time.Now()}
			e.mu.Unlock()
		default:
			failed = 63019
			e.log.Warn("media download failed", "sid", m.SID, "status", f.Status, "err", f.Error)
		}
		fetches = append(fetches, f)
	}
	e.mu.Lock()
	m.MediaFetches = fetches
	e.notifyLocked()
	e.mu.Unlock()
	return failed
}

func (e *Emulator) fetchOne(u string) (MediaFetch, []byte) {
	f := MediaFetch{URL: u}
	if !localURL(u) {
		f.Skipped = true
		return f, nil
	}
	do := func(method string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(e.ctx, method, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "TwilioProxy/1.1")
		return e.httpClient.Do(req)
	}
	resp, err := do(http.MethodHead)
	if err != nil {
		f.Error = err.Error()
		return f, nil
	}
	resp.Body.Close()
	f.HeadStatus = resp.StatusCode
	resp, err = do(http.MethodGet)
	if err != nil {
		f.Error = err.Error()
		return f, nil
	}
	defer resp.Body.Close()
	f.Status = resp.StatusCode
	f.ContentType = resp.Header.Get("Content-Type")
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchedMedia+1))
	sum := sha256.Sum256(data)
	f.Size, f.SHA256 = len(data), hex.EncodeToString(sum[:])
	switch {
	case err != nil:
		f.Error = err.Error()
	case resp.StatusCode != http.StatusOK:
		f.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
	case len(data) > maxFetchedMedia:
		f.Error = "larger than 16 MB"
	case f.ContentType == "" || strings.HasPrefix(f.ContentType, "text/html"):
		f.Error = "no media Content-Type: " + f.ContentType
	}
	return f, data
}

// localURL reports whether u points at this machine.
func localURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := p.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
