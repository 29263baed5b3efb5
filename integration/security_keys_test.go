package integration

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/app"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/secret"
)

// TestRotateKeysReencryptsEveryTokenOnce: accounts' Twilio tokens are
// encrypted at rest; with a new primary key and the old one as previous,
// `switchboard rotate-keys` re-encrypts them all with the new key (a second
// run changes nothing), after which the old key can go; webhooks keep
// verifying meanwhile. A token no configured key opens is reported, not
// destroyed.
func TestRotateKeysReencryptsEveryTokenOnce(t *testing.T) {
	// The deployment knows both keys (the old one encrypts) before the rotation.
	oldKey, newKey := secret.GenerateKey(), secret.GenerateKey()
	s := newStackWith(t, temporalAddr, func(c *config.Config) { c.SecretKeys = []string{oldKey, newKey} })
	ctx := context.Background()
	stored := func() string {
		var enc string
		if err := s.app.Store.DB().Get(&enc, `SELECT auth_token_enc FROM accounts WHERE id = $1`, s.account.ID); err != nil {
			t.Fatal(err)
		}
		return enc
	}
	before := stored()
	if strings.Contains(before, authToken) {
		t.Fatal("the auth token is stored in clear")
	}
	oldBox, _ := secret.NewBox(oldKey)
	newBox, _ := secret.NewBox(newKey)
	owner := secret.AccountOwner(s.account.ID)
	if _, err := newBox.DecryptFor(before, owner); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("the new key opens the old ciphertext: %v", err)
	}

	logger := slog.New(slog.NewTextHandler(testLogWriter{t}, nil))
	rotated := s.cfg
	rotated.SecretKeys = []string{newKey, oldKey}
	rep, err := app.RotateKeys(ctx, rotated, logger)
	if err != nil || rep.Accounts != 1 || rep.Rotated != 1 || rep.Current != 0 {
		t.Fatalf("first run: %+v %v", rep, err)
	}
	after := stored()
	if tok, err := newBox.DecryptFor(after, owner); err != nil || tok != authToken {
		t.Fatalf("the new key alone does not open the rotated token: %v", err)
	}
	if _, err := oldBox.DecryptFor(after, owner); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("the old key still opens the rotated token: %v", err)
	}
	if rep, err := app.RotateKeys(ctx, rotated, logger); err != nil || rep.Rotated != 0 || rep.Current != 1 || stored() != after {
		t.Fatalf("second run: %+v %v", rep, err)
	}
	// A key nobody kept: reported, nothing changed.
	lost := s.cfg
	lost.SecretKeys = []string{secret.GenerateKey()}
	rep, err = app.RotateKeys(ctx, lost, logger)
	if err == nil || len(rep.Unreadable) != 1 || !strings.Contains(err.Error(), s.account.ID) || stored() != after {
		t.Fatalf("unknown key: %+v %v", rep, err)
	}

	// The command, as an operator runs it.
	bin := buildBinary(t)
	env := append(s.processEnv(freeAddr(t)), "SWITCHBOARD_SECRET_KEY="+newKey, "SWITCHBOARD_SECRET_KEY_PREVIOUS="+oldKey)
	p := startProc(t, bin, "rotate-keys", env, "rotate-keys")
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatal("rotate-keys still running after 60 s")
	}
	out, _ := os.ReadFile(p.out.Name())
	if p.err != nil || !strings.Contains(string(out), "1 accounts: 0 re-encrypted, 1 already on the primary key, 0 unreadable") {
		t.Fatalf("rotate-keys: %v\n%s", p.err, out)
	}
	if strings.Contains(string(out), authToken) || strings.Contains(string(out), newKey) || strings.Contains(string(out), oldKey) {
		t.Fatalf("rotate-keys printed a secret:\n%s", out)
	}
	// Webhooks verify against the rotated token (the running API has both keys).
	path := "/twilio/whatsapp/" + s.account.ID + "/inbound"
	if got := s.postWebhook(path, inboundForm(newMessageSID(), customerOne, "after rotation"), authToken, ""); got != http.StatusOK {
		t.Fatalf("webhook after rotation: %d", got)
	}
}
