package secret

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard/internal/domain"
)

// StoredToken is an account's Twilio SID and encrypted auth token.
type StoredToken struct {
	AccountSID   string
	AuthTokenEnc string
}

// TokenLookup loads the stored token of an account.
type TokenLookup func(ctx context.Context, accountID string) (StoredToken, error)

// Tokens decrypts accounts' Twilio credentials, keeping each account's
// decrypted token in memory with the ciphertext it came from: a replaced
// token (a new ciphertext) is decrypted again and the old one forgotten,
// and a ciphertext is only ever opened for the account it was sealed for.
type Tokens struct {
	lookup TokenLookup
	box    *Box

	mu    sync.Mutex
	cache map[string]cachedToken // account id -> its last decrypted token
}

type cachedToken struct{ enc, plain string }

// NewTokens returns a credentials source over a lookup and a Box.
func NewTokens(lookup TokenLookup, box *Box) *Tokens {
	return &Tokens{lookup: lookup, box: box, cache: map[string]cachedToken{}}
}

// Credentials returns the decrypted credentials of an account.
func (t *Tokens) Credentials(ctx context.Context, accountID string) (domain.Credentials, error) {
	st, err := t.lookup(ctx, accountID)
	if err != nil {
		return domain.Credentials{}, err
	}
	tok, err := t.Decrypt(accountID, st.AuthTokenEnc)
	if err != nil {
		return domain.Credentials{}, err
	}
	return domain.Credentials{AccountSID: st.AccountSID, AuthToken: tok}, nil
}

// Decrypt decrypts accountID's stored token enc, through the cache: the
// cached token is used only while enc is the ciphertext it came from.
func (t *Tokens) Decrypt(accountID, enc string) (string, error) {
	t.mu.Lock()
	c, ok := t.cache[accountID]
	t.mu.Unlock()
	if ok && c.enc == enc {
		return c.plain, nil
	}
	tok, err := t.box.DecryptFor(enc, AccountOwner(accountID))
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	t.cache[accountID] = cachedToken{enc: enc, plain: tok}
	t.mu.Unlock()
	return tok, nil
}
