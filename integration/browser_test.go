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

// browserWindow is the session window of the browser test: long enough for
// the first exchange, short enough to wait for it to close.
const browserWindow = 20 * time.Second

// browserConsoleNote is the internal note the console test writes.
const browserConsoleNote = "Note interne : colis signalé au transporteur."

const browserCloseNotes = "Commande prête, cliente prévenue."

// TestBrowserConsoleAndPhone drives the agent console (/console) and the
// customer phone (/sim) in headless Chromium (tests/browser/console_sim.mjs,
// playwright-core): a customer writes, the agent sees it live and answers,
// the phone shows ✓✓; once the window closes the console sends a template
// that reaches the phone; close with notes; then, in pick mode, Accept and a
// transfer back to the queue. Screenshots land in test-output/.
func TestBrowserConsoleAndPhone(t *testing.T) {
	root, err := devenv.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	node, chromium := browserTools(t, root)

	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SessionWindow = browserWindow })
	var q domain.Queue
	s.admin(http.MethodPost, "/api/v1/queues", map[string]any{"name": "Support FR"}, http.StatusCreated, &q)
	var ws domain.Workstream
	s.admin(http.MethodPost, "/api/v1/workstreams", map[string]any{
		"name": "Support", "language": "fr", "distribution": "push", "default_queue_id": q.ID,
		"attachments": map[string]bool{"customer": true, "agent": true},
	}, http.StatusCreated, &ws)
	s.admin(http.MethodPatch, "/api/v1/whatsapp-accounts/"+s.account.ID+"/numbers/"+s.account.Numbers[0].ID,
		map[string]any{"workstream_id": ws.ID}, http.StatusOK, nil)
	var agent domain.Agent
	s.admin(http.MethodPost, "/api/v1/agents", map[string]any{"name": "Camille", "email": "camille@example.com",
		"capacity": 3, "presence": "offline", "queue_ids": []string{q.ID}}, http.StatusCreated, &agent)
	s.admin(http.MethodPost, "/api/v1/templates", map[string]any{
		"name": "order_ready", "category": "utility", "default_language": "fr",
		"variants": []map[string]any{{"language": "fr", "body": "Bonjour {{1}}, votre commande est prête."}},
	}, http.StatusCreated, nil)

	// Agent productivity: a quick reply rendered with the display name the
	// agent saves in the profile panel, and a label.
	s.admin(http.MethodPost, "/api/v1/quick-replies", map[string]any{"title": "Thanks", "shortcut": "merci",
		"text": "Merci {{customer.first_name}}, ici {{agent.name}}."}, http.StatusCreated, nil)
	s.admin(http.MethodPost, "/api/v1/labels", map[string]any{"name": "Livraison", "color": "#1f7a4d"}, http.StatusCreated, nil)

	out := filepath.Join(root, "test-output")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(root, "tests", "browser", "console_sim.mjs"))
	cmd.Dir = filepath.Join(root, "tests", "browser")
	cmd.Env = append(os.Environ(),
		"SB_API_URL="+s.apiURL,
		"SB_AGENT_TOKEN="+agent.Token,
		"SB_SENDER="+ourNumber,
		"SB_CUSTOMER=+33698765432",
		"SB_TEMPLATE=order_ready",
		"SB_TEMPLATE_VAR=Marie",
		"SB_TEMPLATE_TEXT=Bonjour Marie, votre commande est prête.",
		"SB_WINDOW_SECONDS="+strings.TrimSuffix(browserWindow.String(), "s"),
		"SB_CLOSE_NOTES="+browserCloseNotes,
		"SB_ADMIN_KEY="+s.cfg.AdminKey,
		"SB_WORKSTREAM_ID="+ws.ID,
		"SB_QUEUE_ID="+q.ID,
		"SB_CUSTOMER2=+33687654321",
		"SB_QUICK_REPLY_SHORTCUT=merci",
		"SB_DISPLAY_NAME=Marie Dupont",
		"SB_QUICK_REPLY_TEXT=Merci Marie, ici Camille.",
		"SB_LABEL=Livraison",
		"SB_NOTE="+browserConsoleNote,
		"SB_OUTPUT_DIR="+out,
		"SB_CHROMIUM="+chromium,
	)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	started := time.Now()
	err = cmd.Run()
	t.Logf("node tests/browser/console_sim.mjs (%s):\n%s", time.Since(started).Round(time.Millisecond), output.String())
	if err != nil {
		t.Fatalf("the browser test failed (%v); screenshots in %s", err, out)
	}
	if !strings.Contains(output.String(), "console_sim: ok") {
		t.Fatal("the browser test did not finish")
	}
	// The console closed it with its notes.
	eventually(t, 10*time.Second, "the conversation closed by the agent with its notes", func() bool {
		var page struct {
			Data []domain.Conversation `json:"data"`
		}
		s.admin(http.MethodGet, "/api/v1/conversations?customer=%2B33698765432", nil, http.StatusOK, &page)
		return len(page.Data) == 1 && page.Data[0].CloseNotes != nil && *page.Data[0].CloseNotes == browserCloseNotes &&
			page.Data[0].ClosedBy != nil && *page.Data[0].ClosedBy == "agent:"+agent.ID
	})
	// The console labelled it and saved the customer's display name.
	var convs listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations?label=Livraison", nil, http.StatusOK, &convs)
	if len(convs.Data) != 1 || convs.Data[0].CustomerE164 != "+33698765432" {
		t.Errorf("conversations labelled in the console: %+v", convs.Data)
	}
	var found struct {
		Data []domain.CustomerProfile `json:"data"`
	}
	s.admin(http.MethodGet, "/api/v1/customers?q=dupont", nil, http.StatusOK, &found)
	if len(found.Data) != 1 || found.Data[0].DisplayName != "Marie Dupont" {
		t.Errorf("the profile saved in the console: %+v", found.Data)
	}
	// The console's internal note is in the transcript as a note, and
	// Twilio never got a request carrying it.
	var closed listResponse[domain.Conversation]
	s.admin(http.MethodGet, "/api/v1/conversations?customer=%2B33698765432", nil, http.StatusOK, &closed)
	if len(closed.Data) != 1 {
		t.Fatalf("conversations of the first customer: %+v", closed.Data)
	}
	notes := 0
	for _, m := range s.messages(closed.Data[0].ID) {
		if strings.Contains(m.Body, browserConsoleNote) {
			if !m.Note || m.Author != "agent:"+agent.ID {
				t.Errorf("the console's note is not a note by the agent: %+v", m)
			}
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("the console's note is in the transcript %d times, want 1", notes)
	}
	for _, m := range s.emu.Messages() {
		if strings.Contains(m.Body, browserConsoleNote) {
			t.Errorf("the note reached Twilio: %+v", m)
		}
	}
	for _, name := range []string{"console.png", "sim.png", "console-template.png", "sim-template.png", "console-quick-replies.png", "console-note.png"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
}

// browserTools finds node, Debian's chromium and tests/browser's
// playwright-core (`make browser-deps` installs them). Without them the
// test is skipped on a developer's machine, and fails under CI.
func browserTools(t *testing.T, root string) (node, chromium string) {
	t.Helper()
	var missing []string
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	chromium = os.Getenv("SB_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			chromium = p
		} else {
			missing = append(missing, "chromium")
		}
	}
	if _, err := os.Stat(filepath.Join(root, "tests", "browser", "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "tests/browser/node_modules (npm ci)")
	}
	if len(missing) > 0 {
		msg := "browser test needs " + strings.Join(missing, ", ") + ": run `make browser-deps` (make test does)"
		if os.Getenv("CI") != "" && os.Getenv("CI") != "false" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return node, chromium
}
