package integration

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

func (c *sseClient) waitEnded(t *testing.T, within time.Duration, what string) {
	t.Helper()
	select {
	case <-c.ended:
	case <-time.After(within):
		t.Fatalf("%s: the stream is still open after %s", what, within)
	}
}

// TestStreamsEndWhenTheirCredentialDoes: an agent holds at most
// SWITCHBOARD_AGENT_MAX_STREAMS (5) streams, the next is 429 with
// Retry-After; rotating the agent's token closes every stream it opened
// (announced through PostgreSQL, as it would be from another API process),
// the new token streams again, and deleting the agent closes that one.
func TestStreamsEndWhenTheirCredentialDoes(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1)

	var open []*sseClient
	for range 5 {
		open = append(open, s.openEvents(t, ada.Token, "", nil))
	}
	st, hdr, body := s.agentRawStream(ada.Token)
	if st != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || !strings.Contains(string(body), "RATE_LIMITED") {
		t.Fatalf("a 6th stream: %d Retry-After %q %s", st, hdr.Get("Retry-After"), body)
	}
	metrics := string(s.read(t, s.getFrom(t, s.opsURL, "/metrics", nil)))
	if !strings.Contains(metrics, `switchboard_rate_limited_total{class="agent_streams"} 1`) {
		t.Errorf("the refused stream is not counted")
	}

	// Rotation: the old token's streams end, within seconds, not at the next heartbeat.
	var rotated struct {
		Token string `json:"token"`
	}
	start := time.Now()
	s.admin(http.MethodPost, "/api/v1/agents/"+ada.ID+"/token", nil, http.StatusOK, &rotated)
	for i, c := range open {
		c.waitEnded(t, 5*time.Second, "stream "+string(rune('1'+i))+" after the rotation")
	}
	t.Logf("5 streams ended %s after the rotation", time.Since(start).Round(time.Millisecond))
	if st, _, _ := s.agentRaw(ada.Token, http.MethodGet, "/api/v1/agent/events", nil); st != http.StatusUnauthorized {
		t.Fatalf("the old token: %d", st)
	}
	fresh := s.openEvents(t, rotated.Token, "", nil)

	// Deletion ends the new token's stream too.
	s.admin(http.MethodDelete, "/api/v1/agents/"+ada.ID, nil, http.StatusNoContent, nil)
	fresh.waitEnded(t, 5*time.Second, "after the agent was deleted")
}

// agentRawStream opens a stream and closes it at once, returning its status
// (and the body of a refusal).
func (s *stack) agentRawStream(token string) (int, http.Header, []byte) {
	req, _ := http.NewRequest(http.MethodGet, s.apiURL+"/api/v1/agent/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, resp.Header, nil
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}
