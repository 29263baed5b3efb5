package secret

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCiphertextOpensOnlyForItsAccount: a token sealed for one account does
// not open for another (its row copied elsewhere), v1 values still open,
// and NeedsRotation asks for v1 values to be rewritten.
func TestCiphertextOpensOnlyForItsAccount(t *testing.T) {
	b := mustBox(t, GenerateKey())
	ct, err := b.EncryptFor("tok-A", AccountOwner("a"))
	if err != nil || !strings.HasPrefix(ct, "v2:") {
		t.Fatalf("EncryptFor: %q %v", ct, err)
	}
	if got, err := b.DecryptFor(ct, AccountOwner("a")); err != nil || got != "tok-A" {
		t.Fatalf("own account: %q %v", got, err)
	}
	if _, err := b.DecryptFor(ct, AccountOwner("b")); !errors.Is(err, ErrTampered) {
		t.Fatalf("another account opened it: %v", err)
	}
	if b.NeedsRotation(ct) {
		t.Fatal("a current v2 value needs rotation")
	}
	old, _ := b.Encrypt("legacy")
	if got, err := b.DecryptFor(old, AccountOwner("a")); err != nil || got != "legacy" {
		t.Fatalf("v1 value: %q %v", got, err)
	}
	if !b.NeedsRotation(old) {
		t.Fatal("a v1 value does not ask to be rewritten")
	}
}

// TestReplacedTokenIsNeverUsedFromTheCache: the cache holds one token per
// account with the ciphertext it came from; a replaced ciphertext is
// decrypted again, and a ciphertext of another account is refused even if
// its plaintext is cached there.
func TestReplacedTokenIsNeverUsedFromTheCache(t *testing.T) {
	b := mustBox(t, GenerateKey())
	first, _ := b.EncryptFor("first-token", AccountOwner("a"))
	second, _ := b.EncryptFor("second-token", AccountOwner("a"))
	other, _ := b.EncryptFor("other-token", AccountOwner("b"))
	var stored atomic.Value
	stored.Store(first)
	tokens := NewTokens(func(_ context.Context, id string) (StoredToken, error) {
		return StoredToken{AccountSID: "AC" + id, AuthTokenEnc: stored.Load().(string)}, nil
	}, b)
	ctx := context.Background()
	if c, err := tokens.Credentials(ctx, "a"); err != nil || c.AuthToken != "first-token" {
		t.Fatalf("first: %+v %v", c, err)
	}
	stored.Store(second) // PATCH twilio_auth_token
	if c, err := tokens.Credentials(ctx, "a"); err != nil || c.AuthToken != "second-token" {
		t.Fatalf("after the replacement: %+v %v", c, err)
	}
	if _, err := tokens.Decrypt("a", other); err == nil {
		t.Fatal("account b's ciphertext opened for account a")
	}
	if _, err := tokens.Decrypt("a", first); err != nil {
		t.Fatalf("the first token, decrypted again: %v", err)
	}
	if len(tokens.cache) != 1 {
		t.Fatalf("%d cache entries for one account", len(tokens.cache))
	}
}
