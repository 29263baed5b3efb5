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

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/devenv"
	"github.com/switchboard/switchboard/internal/domain"
)

const browserNote = "Cliente VIP : proposer le remboursement."

// TestBrowserSupervisorPage drives the supervisor page (/supervisor) in
// headless Chromium (tests/browser/supervisor_page.mjs): a customer writes
// through the emulator, the queue tile moves, the supervisor opens the
// conversation from the at-risk list, writes a note and force-closes it.
// Screenshots land in test-output/.
func TestBrowserSupervisorPage(t *testing.T) {
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	node, chromium := browserTools(t, root)

	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SupervisorWaitThreshold = time.Second })
	queue := s.workstreamWith(domain.DistributionPush, nil)
	sup := s.newAgent("sue", domain.PresenceOffline, 2, queue)
	s.admin(http.MethodPatch, "/api/v1/agents/"+sup.ID, map[string]any{"role": "supervisor"}, http.StatusOK, nil)
	const customer = "+33611112222"

	out := filepath.Join(root, "test-output")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "tests", "browser", "supervisor_page.mjs"))
	cmd.Dir = filepath.Join(root, "tests", "browser")
	cmd.Env = append(os.Environ(),
		"SB_API_URL="+s.apiURL,
		"SB_EMULATOR_URL="+s.emuURL,
		"SB_SUPERVISOR_TOKEN="+sup.Token,
		"SB_QUEUE_ID="+queue,
		"SB_ACCOUNT_SID="+accountSID,
		"SB_SENDER="+ourNumber,
		"SB_CUSTOMER="+customer,
		"SB_NOTE="+browserNote,
		"SB_OUTPUT_DIR="+out,
		"SB_CHROMIUM="+chromium,
	)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	started := time.Now()
	err = cmd.Run()
	t.Logf("node tests/browser/supervisor_page.mjs (%s):\n%s", time.Since(started).Round(time.Millisecond), output.String())
	if err != nil || !strings.Contains(output.String(), "supervisor_page: ok") {
		t.Fatalf("the browser test failed (%v); screenshots in %s", err, out)
	}

	// The page's actions went through: a note in the transcript, closed by
	// the supervisor, and Twilio never got the note.
	var page listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations?customer=%2B"+customer[1:], nil, http.StatusOK, &page)
	if len(page.Data) != 1 || page.Data[0].CloseReason == nil || *page.Data[0].CloseReason != "closed_by_supervisor" {
		t.Fatalf("conversations: %+v", page.Data)
	}
	msgs := s.messages(page.Data[0].ID)
	if countNotes(msgs) != 1 {
		t.Fatalf("transcript: %+v", msgs)
	}
	for _, m := range s.emu.Messages() {
		if strings.Contains(m.Body, browserNote) {
			t.Fatalf("the note reached Twilio: %+v", m)
		}
	}
	for _, name := range []string{"supervisor.png", "supervisor-360.png"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
}
