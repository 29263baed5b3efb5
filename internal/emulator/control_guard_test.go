package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestControlAPIRefusesCrossSiteRequests: a page elsewhere cannot make a
// browser inject a failure (another Origin, or a body that is not JSON,
// which is what a form or a no-preflight fetch sends); the phone page
// (same origin) and tools (no Origin) can.
func TestControlAPIRefusesCrossSiteRequests(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	post := func(origin, ctype, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/emulator/failures", strings.NewReader(body))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const failure = `{"http_status": 500}`
	for _, tc := range []struct {
		what, origin, ctype string
		want                int
	}{
		{"another site, JSON", "https://evil.example", "application/json", http.StatusForbidden},
		{"another site, a form", "https://evil.example", "application/x-www-form-urlencoded", http.StatusForbidden},
		{"no origin, text/plain (a no-preflight fetch)", "", "text/plain", http.StatusUnsupportedMediaType},
		{"the phone page (same origin)", srv.URL, "application/json", http.StatusCreated},
		{"a tool (no origin)", "", "application/json", http.StatusCreated},
	} {
		if got := post(tc.origin, tc.ctype, failure); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, got, tc.want)
		}
	}
	if n := len(e.listFailures()); n != 2 {
		t.Fatalf("%d failures injected, want the 2 allowed ones", n)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/emulator/failures", nil)
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site DELETE: %v %v", resp, err)
	}
}
