package integration

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

// TestInboundMediaThroughTheAgentAPI: the customer's media is fetched from
// Twilio (the emulator, basic auth with the account's credentials) and
// passed through to the agent byte for byte with its content type; the
// admin has the same endpoint; other agents get 404.
func TestInboundMediaThroughTheAgentAPI(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, nil)
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	bob := s.newAgent("bob", domain.PresenceAvailable, 1, s.insertQueue("other"))

	photo := make([]byte, 300<<10)
	if _, err := rand.Read(photo); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7 invoice")
	s.customerSends(customerOne, "Voici", emulator.InboundMedia{ContentType: "image/jpeg", Data: photo},
		emulator.InboundMedia{ContentType: "application/pdf", Data: pdf})
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))
	msgs := s.messages(conv.ID)
	if len(msgs) != 1 || len(msgs[0].Media) != 2 {
		t.Fatalf("transcript: %+v", msgs)
	}
	if strings.Contains(msgs[0].Media[0].URL, "twilio.com") {
		t.Fatalf("expected the emulator's URL, got %s", msgs[0].Media[0].URL)
	}
	base := "/api/v1/agent/conversations/" + conv.ID + "/media/" + msgs[0].ID

	status, hdr, body := s.agentRaw(ada.Token, http.MethodGet, base+"/0", nil)
	if status != http.StatusOK || !bytes.Equal(body, photo) || hdr.Get("Content-Type") != "image/jpeg" ||
		hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Content-Disposition") != "inline" {
		t.Fatalf("photo: %d %v, %d bytes (want %d)", status, hdr, len(body), len(photo))
	}
	status, hdr, body = s.agentRaw(ada.Token, http.MethodGet, base+"/1", nil)
	if status != http.StatusOK || !bytes.Equal(body, pdf) || hdr.Get("Content-Type") != "application/pdf" || hdr.Get("Content-Disposition") != "attachment" {
		t.Fatalf("pdf: %d %v %q", status, hdr, body)
	}
	status, _, body = s.adminRaw(http.MethodGet, "/api/v1/conversations/"+conv.ID+"/media/"+msgs[0].ID+"/0", nil)
	if status != http.StatusOK || !bytes.Equal(body, photo) {
		t.Fatalf("admin: %d, %d bytes", status, len(body))
	}

	s.agentError(ada.Token, http.MethodGet, base+"/2", nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentError(ada.Token, http.MethodGet, base+"/x", nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentError(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+conv.ID+"/media/"+conv.ID+"/0", nil, http.StatusNotFound, domain.CodeNotFound)
	s.agentError(bob.Token, http.MethodGet, base+"/0", nil, http.StatusNotFound, domain.CodeNotFound)

	// Over Twilio's 16 MiB: refused, not passed through.
	s.customerSends(customerOne, "", emulator.InboundMedia{ContentType: "video/mp4", Data: make([]byte, 16<<20+1)})
	var big string
	eventually(t, 15*time.Second, "the big media to be stored", func() bool {
		for _, m := range s.messages(conv.ID) {
			if len(m.Media) == 1 && m.Media[0].ContentType == "video/mp4" {
				big = m.ID
			}
		}
		return big != ""
	})
	e := s.agentError(ada.Token, http.MethodGet, "/api/v1/agent/conversations/"+conv.ID+"/media/"+big+"/0", nil, http.StatusBadGateway, domain.CodeTwilio)
	if !strings.Contains(e.Error.Message, "16 MiB") {
		t.Fatalf("big media: %s", e.Error.Message)
	}

	// A stored URL that is not Twilio's is never fetched.
	if _, err := s.app.Store.DB().Exec(`UPDATE messages SET media = '[{"url": "https://93.184.215.14/x.jpg", "content_type": "image/jpeg"}]' WHERE id = $1`, msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	e = s.agentError(ada.Token, http.MethodGet, base+"/0", nil, http.StatusBadGateway, domain.CodeTwilio)
	if !strings.Contains(e.Error.Message, "not on a Twilio media host") {
		t.Fatalf("foreign URL: %s", e.Error.Message)
	}
}
