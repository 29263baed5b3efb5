package integration

import (
	"net/http"
	"slices"
	"testing"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestMediaURLsToPrivateTargetsNeedTheSetting: a media URL on a private,
// loopback or link-local address is refused before anything is sent,
// unless SWITCHBOARD_ALLOW_PRIVATE_TARGETS is on; then it goes to Twilio.
// (Bot URLs: internal/bot TestAskRefusesPrivateAddressesBeforeAnyRequest,
// both ways, checked at dial time.)
func TestMediaURLsToPrivateTargetsNeedTheSetting(t *testing.T) {
	urls := []string{"https://10.1.2.3/a.jpg", "https://127.0.0.1/b.jpg", "https://[fe80::1]/c.jpg", "https://169.254.169.254/latest/meta-data"}
	guarded := newStack(t, temporalAddr)
	conv := guarded.newCustomerConversation(t, customerOne)
	for _, u := range urls {
		guarded.wantError(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages",
			map[string]any{"media_urls": []string{u}}, http.StatusBadRequest, domain.CodeInvalid, "media_urls[0]")
	}
	if n := len(guarded.emu.Messages()); n != 0 {
		t.Fatalf("%d refused messages reached Twilio", n)
	}

	allowed := newStackWith(t, temporalAddr, func(c *config.Config) { c.AllowPrivateTargets = true })
	conv = allowed.newCustomerConversation(t, customerOne)
	var m domain.Message
	allowed.admin(http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"media_urls": urls[:2]}, http.StatusCreated, &m)
	sent := allowed.emu.Messages()
	if m.TwilioSID == nil || len(sent) != 1 || !slices.Equal(sent[0].MediaURLs, urls[:2]) {
		t.Fatalf("with SWITCHBOARD_ALLOW_PRIVATE_TARGETS: %+v, Twilio got %+v", m, sent)
	}
}
