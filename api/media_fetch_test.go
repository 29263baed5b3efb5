package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

func mediaTestServer(apiBase string) *Server {
	cfg := config.Defaults()
	cfg.TwilioAPIBase = apiBase
	return New(Deps{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func TestTwilioMediaHost(t *testing.T) {
	s := mediaTestServer("http://127.0.0.1:8081")
	for raw, ok := range map[string]bool{
		"https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1": true,
		"https://mms.twiliocdn.com/AC1/abc":                                     true,
		"https://media.twiliocdn.com/x":                                         true,
		"https://API.Twilio.com:443/x":                                          true,
		"http://127.0.0.1:8081/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1":  true, // the configured base
		"http://api.twilio.com/x":                                               false,
		"https://api.twilio.com:8443/x":                                         false,
		"https://user:pw@api.twilio.com/x":                                      false,
		"https://twiliocdn.com.evil.example/x":                                  false,
		"https://eviltwiliocdn.com/x":                                           false,
		"https://api.twilio.com.evil.example/x":                                 false,
		"http://127.0.0.1:9999/x":                                               false, // another port
		"https://127.0.0.1:8081/x":                                              false, // another scheme
		"http://169.254.169.254/latest/meta-data":                               false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.twilioMediaHost(u); got != ok {
			t.Errorf("%s: allowed = %v, want %v", raw, got, ok)
		}
	}
}

// serveMedia runs passMedia over what upstream answers, as the media
// endpoint would, and returns the answer.
func serveMedia(t *testing.T, s *Server, upstream string) (int, http.Header, []byte) {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler})
	app.Get("/m", func(c *fiber.Ctx) error {
		resp, cancel, err := s.fetchMedia(c.UserContext(), upstream, domain.Credentials{AccountSID: "AC1", AuthToken: "secret-token"})
		if err != nil {
			return err
		}
		return passMedia(c, resp, cancel)
	})
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/m", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func TestMediaPassThroughAndCaps(t *testing.T) {
	photo := bytes.Repeat([]byte("jpg!"), 1000)
	var sawAuth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth = append(sawAuth, r.Header.Get("Authorization"))
		_, _ = w.Write(photo)
	}))
	defer other.Close()
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "AC1" || p != "secret-token" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/photo":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(photo) // small: Content-Length is set
		case "/doc":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<script>alert(1)</script>"))
		case "/huge-declared":
			w.Header().Set("Content-Length", "16777217")
			_, _ = w.Write([]byte("x"))
		case "/huge-chunked":
			w.Header().Set("Content-Type", "video/mp4")
			chunk := make([]byte, 1<<20)
			for range 17 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		case "/redirect-away":
			http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
		case "/redirect-home":
			http.Redirect(w, r, "/photo", http.StatusTemporaryRedirect)
		case "/gone":
			http.NotFound(w, r)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer twilio.Close()
	s := mediaTestServer(twilio.URL)

	status, hdr, body := serveMedia(t, s, twilio.URL+"/photo")
	if status != http.StatusOK || !bytes.Equal(body, photo) || hdr.Get("Content-Type") != "image/jpeg" || hdr.Get("Content-Disposition") != "inline" ||
		hdr.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("photo: %d %v %d bytes", status, hdr, len(body))
	}
	if status, _, body := serveMedia(t, s, twilio.URL+"/redirect-home"); status != http.StatusOK || !bytes.Equal(body, photo) {
		t.Fatalf("redirect to the same host: %d", status)
	}
	if status, hdr, _ := serveMedia(t, s, twilio.URL+"/doc"); status != http.StatusOK || hdr.Get("Content-Disposition") != "attachment" {
		t.Fatalf("html document: %d %v", status, hdr)
	}
	for path, want := range map[string]int{
		"/huge-declared": http.StatusBadGateway,
		"/huge-chunked":  http.StatusBadGateway,
		"/redirect-away": http.StatusBadGateway,
		"/gone":          http.StatusNotFound,
		"/fails":         http.StatusBadGateway,
	} {
		status, _, body := serveMedia(t, s, twilio.URL+path)
		if status != want {
			t.Errorf("%s: %d, want %d: %s", path, status, want, body)
		}
		if strings.Contains(string(body), "secret-token") || strings.Contains(string(body), twilio.URL) {
			t.Errorf("%s: the answer leaks the URL or the token: %s", path, body)
		}
	}
	if len(sawAuth) != 0 {
		t.Fatalf("a host that is not Twilio's was called: %v", sawAuth)
	}
	// A stored URL that is not Twilio's is never fetched.
	if status, _, _ := serveMedia(t, s, other.URL+"/x"); status != http.StatusBadGateway || len(sawAuth) != 0 {
		t.Fatalf("foreign URL: %d, calls %v", status, sawAuth)
	}
}
