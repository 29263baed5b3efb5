package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/ratelimit"
)

// publicRoutes are the routes that take no key, each for a reason:
// Twilio's webhooks authenticate by signature (tested on their own), the
// probes and the API description carry no data, the agent console is a
// static page that asks for the agent's token (so is the supervisor page), /sim exists only with
// the dev emulator, and an agent's file is served to whoever holds its
// signed, expiring URL (Twilio fetches it anonymously; tested on its own in
// TestAgentSendsAFileTwilioFetches).
var publicRoutes = regexp.MustCompile(`^(/twilio/whatsapp/:account_id/(inbound|status)|/healthz|/readyz|/openapi\.json|/console|/console/|/console/:asset|/supervisor|/supervisor/|/supervisor/:asset|/sim|/sim/\*|/media/:id/:expires/:signature)$`)

// supervisorReportRoutes are the reports, transcript, export and contact
// search: a supervisor's token (its queues) or an admin key, like
// /api/v1/supervisor/.
var supervisorReportRoutes = regexp.MustCompile(`^/api/v1/(reports/[a-z-]+|conversations/:id/transcript|exports/conversations|customers)$`)

// securityAgentToken creates an agent through the admin API and returns its
// token.
func (s *stack) securityAgentToken(t *testing.T) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{
		"name": "Grace", "email": "grace-" + uuid.NewString()[:8] + "@example.com", "capacity": 2,
	}, http.StatusCreated, &out)
	if out.Token == "" {
		t.Fatal("no agent token")
	}
	return out.Token
}

// callRoute calls method path with an optional bearer token and returns the
// status and the error code of a JSON error answer. A stream (agent
// events) is abandoned once its headers arrived. The path is sent exactly
// as given (percent-encoding and all), never cleaned by the client.
func (s *stack) callRoute(method, path, bearer string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var body io.Reader
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequestWithContext(ctx, method, s.apiURL, body)
	req.URL.Opaque = path // the request line carries path as is
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp.StatusCode, ""
	}
	var e apiError
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Error.Code
}

// TestEveryRouteRequiresItsCredentials walks the API's route table: every
// route but the public ones answers 401 without credentials, 401 with the
// other kind of credentials (an agent token on the admin API, the admin key
// on the agent API), and gets past authentication with its own. A new
// route is covered without touching this test; a new public route fails it
// until it is listed in publicRoutes.
func TestEveryRouteRequiresItsCredentials(t *testing.T) {
	// Thousands of refused requests from one address: the per-address
	// limit on failed authentication is tested on its own.
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.RateLimitUnauthenticated = ratelimit.Limit{} })
	agentToken := s.securityAgentToken(t)
	param := regexp.MustCompile(`:[a-z0-9_]+\??`)
	routes := s.app.API().App().GetRoutes(true)
	var checked, public, variants int
	for _, r := range routes {
		if publicRoutes.MatchString(r.Path) {
			public++
			continue
		}
		path := strings.ReplaceAll(param.ReplaceAllString(r.Path, uuid.NewString()), "*", "x")
		var own, other, forbidden string
		switch {
		case r.Path == "/api/v1/agent" || strings.HasPrefix(r.Path, "/api/v1/agent/"):
			own, other = agentToken, s.cfg.AdminKey
		case strings.HasPrefix(r.Path, "/api/v1/supervisor/"), supervisorReportRoutes.MatchString(r.Path):
			// A supervisor's token or an admin key; a plain agent's token
			// is known but not allowed: 403.
			own, other, forbidden = s.cfg.AdminKey, "", agentToken
		case strings.HasPrefix(r.Path, "/api/v1/"), strings.HasPrefix(r.Path, "/codec/"):
			own, other = s.cfg.AdminKey, agentToken
		default:
			t.Errorf("%s %s is neither admin, agent nor a listed public route", r.Method, r.Path)
			continue
		}
		checked++
		for _, c := range []struct{ what, bearer string }{
			{"no credentials", ""}, {"the other API's credentials", other}, {"a made-up token", "sb_" + uuid.NewString()},
		} {
			if st, code := s.callRoute(r.Method, path, c.bearer); st != http.StatusUnauthorized || (r.Method != http.MethodHead && code != "UNAUTHORIZED") {
				t.Errorf("%s %s with %s: %d %s, want 401 UNAUTHORIZED", r.Method, r.Path, c.what, st, code)
			}
		}
		if forbidden != "" {
			if st, code := s.callRoute(r.Method, path, forbidden); st != http.StatusForbidden || (r.Method != http.MethodHead && code != "FORBIDDEN") {
				t.Errorf("%s %s with a plain agent's token: %d %s, want 403 FORBIDDEN", r.Method, r.Path, st, code)
			}
		}
		if st, code := s.callRoute(r.Method, path, own); st == http.StatusUnauthorized || st == http.StatusForbidden {
			t.Errorf("%s %s with its own credentials: %d %s", r.Method, r.Path, st, code)
		}
		// Another spelling of the path never gets past authentication
		// without credentials, and with them reaches nothing: routing is
		// strict (case, trailing slash, percent-encoding), so a variant
		// matches no route, and no prefix test can be fooled.
		for _, v := range pathVariants(path) {
			for _, c := range []struct{ what, bearer string }{{"no credentials", ""}, {"the other API's credentials", other}} {
				if st, code := s.callRoute(r.Method, v, c.bearer); st != http.StatusUnauthorized && st != http.StatusNotFound {
					t.Errorf("%s %s with %s: %d %s, want 401 or 404", r.Method, v, c.what, st, code)
				}
			}
			if st, code := s.callRoute(r.Method, v, own); st != http.StatusNotFound {
				t.Errorf("%s %s (a variant of %s) with its own credentials: %d %s, want 404", r.Method, v, r.Path, st, code)
			}
			variants++
		}
	}
	if checked < 40 || public < 6 {
		t.Fatalf("only %d protected and %d public routes walked: is the route table complete?", checked, public)
	}
	t.Logf("%d protected routes refuse missing and foreign credentials, %d spellings of them reach nothing; %d public routes", checked, variants, public)
}

// pathVariants spells path otherwise: upper case, capitalized segments, a
// trailing slash, a letter or a slash percent-encoded, a doubled slash.
func pathVariants(path string) []string {
	segs := strings.Split(path, "/")
	capital := make([]string, len(segs))
	for i, seg := range segs {
		if seg != "" {
			capital[i] = strings.ToUpper(seg[:1]) + seg[1:]
		}
	}
	out := []string{strings.ToUpper(path), strings.Join(capital, "/"), path + "/"}
	// The first letter of the last literal segment (not an id), encoded.
	for i := len(segs) - 1; i > 0; i-- {
		if seg := segs[i]; seg != "" && seg[0] >= 'a' && seg[0] <= 'z' && uuid.Validate(seg) != nil {
			enc := append([]string(nil), segs...)
			enc[i] = fmt.Sprintf("%%%02X", seg[0]) + seg[1:]
			out = append(out, strings.Join(enc, "/"))
			break
		}
	}
	if i := strings.Index(path[1:], "/"); i > 0 {
		out = append(out, path[:i+1]+"%2F"+path[i+2:]) // the second separator, encoded
		out = append(out, path[:i+1]+"/"+path[i+1:])   // and doubled
	}
	return out
}
