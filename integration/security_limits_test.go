package integration

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/ratelimit"
)

// TestAbuseLimitsPerClient: with small limits, each admin key and each
// agent has its own bucket (one client over its limit gets 429 with
// Retry-After, another is served); requests failing authentication or a
// signature are limited by source address, while valid credentials from
// that address, and correctly signed Twilio webhooks, are never refused.
func TestAbuseLimitsPerClient(t *testing.T) {
	t.Parallel()
	secondKey := "ci:" + "second-admin-key-" + uuid.NewString()
	s := newStackWith(t, temporalAddr, func(c *config.Config) {
		c.AdminKeys = []string{c.AdminKey, secondKey}
		c.RateLimitAdmin = ratelimit.Limit{Rate: 0.5, Burst: 30}
		c.RateLimitAgent = ratelimit.Limit{Rate: 0.5, Burst: 5}
		c.RateLimitUnauthenticated = ratelimit.Limit{Rate: 0.5, Burst: 3}
	})
	limited := func(what string, st int, hdr http.Header, body []byte) {
		t.Helper()
		retry, err := strconv.Atoi(hdr.Get("Retry-After"))
		if st != http.StatusTooManyRequests || err != nil || retry < 1 || !strings.Contains(string(body), `"RATE_LIMITED"`) {
			t.Fatalf("%s: %d Retry-After %q %s, want 429 RATE_LIMITED", what, st, hdr.Get("Retry-After"), body)
		}
	}

	// Agents: ada's 6th request is refused, bob is served.
	ada := s.newAgent("ada", domain.PresenceAvailable, 1)
	bob := s.newAgent("bob", domain.PresenceAvailable, 1)
	for i := range 5 {
		if st, _, b := s.agentRaw(ada.Token, http.MethodGet, "/api/v1/agent/me", nil); st != http.StatusOK {
			t.Fatalf("ada's request %d: %d %s", i+1, st, b)
		}
	}
	st, hdr, body := s.agentRaw(ada.Token, http.MethodGet, "/api/v1/agent/me", nil)
	limited("ada's 6th request", st, hdr, body)
	if st, _, b := s.agentRaw(bob.Token, http.MethodGet, "/api/v1/agent/me", nil); st != http.StatusOK {
		t.Fatalf("bob, under his own limit: %d %s", st, b)
	}

	// Admin keys: the first key spends its burst, the second is served.
	for {
		st, hdr, body := s.adminRaw(http.MethodGet, "/api/v1/queues", nil)
		if st == http.StatusOK {
			continue
		}
		limited("the first admin key past its burst", st, hdr, body)
		break
	}
	req, _ := http.NewRequest(http.MethodGet, s.apiURL+"/api/v1/queues", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimPrefix(secondKey, "ci:"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the second admin key: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Failed authentication, by address: 3 answers 401, then 429.
	for i := range 3 {
		if st, _ := s.callRoute(http.MethodGet, "/api/v1/agent/me", "sbat_"+strings.Repeat("x", 43)); st != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d", i+1, st)
		}
	}
	if st, _ := s.callRoute(http.MethodGet, "/api/v1/agent/me", "sbat_"+strings.Repeat("y", 43)); st != http.StatusTooManyRequests {
		t.Fatalf("the 4th bad token from the address: %d, want 429", st)
	}
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if st := s.postWebhook(path, inboundForm(newMessageSID(), customerOne, "forged"), "ffffffffffffffffffffffffffffffff", ""); st != http.StatusTooManyRequests {
		t.Fatalf("a forged webhook from that address: %d, want 429", st)
	}
	// Valid credentials from the same address are still served.
	if st, _, b := s.agentRaw(bob.Token, http.MethodGet, "/api/v1/agent/me", nil); st != http.StatusOK {
		t.Fatalf("bob from the refused address: %d %s", st, b)
	}
	// And Twilio's signed webhooks are never refused, however many.
	for i := range 20 {
		if st := s.postWebhook(path, inboundForm(newMessageSID(), customerOne, "message "+strconv.Itoa(i)), authToken, ""); st != http.StatusOK {
			t.Fatalf("signed webhook %d from the refused address: %d", i+1, st)
		}
	}

	metrics := string(s.read(t, s.getFrom(t, s.opsURL, "/metrics", nil)))
	for _, class := range []string{"admin", "agent", "unauthenticated"} {
		if !strings.Contains(metrics, `switchboard_rate_limited_total{class="`+class+`"}`) ||
			strings.Contains(metrics, `switchboard_rate_limited_total{class="`+class+`"} 0`) {
			t.Errorf("no %s refusal counted", class)
		}
	}
}
