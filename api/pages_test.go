package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/config"
)

func pagesServer(sim http.Handler) *api.Server {
	return api.New(api.Deps{Config: config.Defaults(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Simulator: sim})
}

func get(t *testing.T, srv *api.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := srv.App().Test(httptest.NewRequest(http.MethodGet, path, nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestConsolePages: the console, the supervisor page and their assets are served without a key,
// with a CSP that keeps them to their own origin; nothing else is.
func TestConsolePages(t *testing.T) {
	srv := pagesServer(nil)
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/console", "text/html", `src="/console/console.js"`},
		{"/console/", "text/html", "Agent token"},
		{"/console/console.js", "text/javascript", "streamLoop("},
		{"/console/sse.js", "text/javascript", "Last-Event-ID"},
		{"/console/console.css", "text/css", "@media"},
		{"/console/icon.svg", "image/svg+xml", "<svg"},
		{"/supervisor", "text/html", `src="/supervisor/supervisor.js"`},
		{"/supervisor/", "text/html", "supervisor's agent token"},
		{"/supervisor/supervisor.js", "text/javascript", "streamLoop("},
		{"/supervisor/sse.js", "text/javascript", "Last-Event-ID"},
		{"/supervisor/supervisor.css", "text/css", "@media"},
		{"/supervisor/icon.svg", "image/svg+xml", "<svg"},
	} {
		resp, body := get(t, srv, tc.path)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(body, tc.contains) {
			t.Errorf("GET %s: %d %s, body has %q: %v", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.contains, strings.Contains(body, tc.contains))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
	}
	for _, p := range []string{"/console/nope.js", "/console/..%2fweb.go", "/console/.hidden", "/supervisor/nope.js", "/supervisor/.hidden", "/sim", "/sim/emulator/senders"} {
		if resp, _ := get(t, srv, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestSimulatorMount: with a Simulator, /sim/... reaches it with /sim
// stripped, and /sim itself is the phone page.
func TestSimulatorMount(t *testing.T) {
	var seen []string
	sim := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	srv := pagesServer(sim)
	app := srv.App()
	for _, p := range []string{"/sim", "/sim/", "/sim/emulator/thread?customer=%2B33612345678"} {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, p, nil))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %v %v", p, resp, err)
		}
	}
	resp, err := app.Test(httptest.NewRequest(http.MethodPost, "/sim/emulator/inbound", strings.NewReader(`{"body":"hi"}`)))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST: %v %v", resp, err)
	}
	want := []string{"GET /emulator/phone", "GET /emulator/phone", "GET /emulator/thread?customer=%2B33612345678", "POST /emulator/inbound"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("the simulator saw %q, want %q", seen, want)
	}
	// Not a prefix match on the name: /simple is no simulator path.
	if resp, _ := get(t, srv, "/simple"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /simple: %d", resp.StatusCode)
	}
}
