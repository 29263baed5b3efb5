package integration

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
)

// TestBrowserInteractiveTapQuickReplyAndPDF drives the console and the
// phone in headless Chromium (tests/browser/interactive_sim.mjs): the
// agent composes quick-reply buttons, the customer taps one on /sim, the
// agent sees the tap linked to its message, answers with a quick reply
// and a PDF, and the phone shows the PDF. Then the API and the emulator
// are asked what happened: the buttons went out with a Content SID, the
// tap is offered_by the buttons' message, Twilio fetched the PDF's bytes.
func TestBrowserInteractiveTapQuickReplyAndPDF(t *testing.T) {
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	node, chromium := browserTools(t, root)
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, map[string]any{"attachments": map[string]bool{"agent": true, "customer": true}})
	var agent domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Camille", "email": "camille@example.com",
		"capacity": 3, "presence": "offline", "queue_ids": []string{queue}}, http.StatusCreated, &agent)
	s.admin(http.MethodPost, "/api/v1/quick-replies", map[string]any{"title": "Stock", "shortcut": "stock",
		"text": "C'est noté {{customer.first_name}}, je vous envoie le bon de commande."}, http.StatusCreated, nil)
	const customer = "+33698760001"

	out := filepath.Join(root, "test-output")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "tests", "browser", "interactive_sim.mjs"))
	cmd.Dir = filepath.Join(root, "tests", "browser")
	cmd.Env = append(os.Environ(),
		"SB_API_URL="+s.apiURL,
		"SB_AGENT_TOKEN="+agent.Token,
		"SB_SENDER="+ourNumber,
		"SB_CUSTOMER="+customer,
		"SB_QUICK_REPLY_SHORTCUT=stock",
		"SB_QUICK_REPLY_TEXT=C'est noté Marie, je vous envoie le bon de commande.",
		"SB_OUTPUT_DIR="+out,
		"SB_CHROMIUM="+chromium,
	)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	started := time.Now()
	err = cmd.Run()
	t.Logf("node tests/browser/interactive_sim.mjs (%s):\n%s", time.Since(started).Round(time.Millisecond), output.String())
	if err != nil {
		t.Fatalf("the browser test failed (%v); screenshots in %s", err, out)
	}
	if !strings.Contains(output.String(), "interactive_sim: ok") {
		t.Fatal("the browser test did not finish")
	}

	var convs listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations?customer=%2B33698760001", nil, http.StatusOK, &convs)
	if len(convs.Data) != 1 {
		t.Fatalf("conversations: %+v", convs.Data)
	}
	msgs := s.messages(convs.Data[0].ID)
	var offer, tap, pdf *domain.Message
	for i, m := range msgs {
		switch {
		case m.Interactive != nil:
			offer = &msgs[i]
		case m.Button != nil:
			tap = &msgs[i]
		case m.Direction == domain.Outbound && len(m.Media) == 1:
			pdf = &msgs[i]
		}
	}
	if offer == nil || tap == nil || pdf == nil {
		t.Fatalf("transcript: %+v", msgs)
	}
	if tap.Button.Text != "Moyen" || tap.Button.Payload != "moyen" || tap.Button.OfferedBy == nil || *tap.Button.OfferedBy != offer.ID {
		t.Errorf("tap: %+v (offer %s)", tap.Button, offer.ID)
	}
	for _, m := range s.emu.Messages() {
		switch {
		case offer.TwilioSID != nil && m.SID == *offer.TwilioSID && (!strings.HasPrefix(m.ContentSID, "HX") || m.Body != ""):
			t.Errorf("the buttons went out as %+v", m)
		case pdf.TwilioSID != nil && m.SID == *pdf.TwilioSID && (len(m.MediaFetches) != 1 || m.MediaFetches[0].ContentType != "application/pdf" || m.MediaFetches[0].Status != http.StatusOK):
			t.Errorf("Twilio's fetch of the PDF: %+v", m.MediaFetches)
		}
	}
	for _, name := range []string{"sim-buttons.png", "console-tap.png", "console-interactive.png", "sim-interactive.png"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
}
