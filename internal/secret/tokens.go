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

// Tokens decrypts accounts' Twilio credentials, keeping decrypted tokens in
// memory keyed by their ciphertext (a token change is a new ciphertext).
type Tokens struct {
	lookup TokenLookup
	box    *Box
	cache  sync.Map // ciphertext -> plaintext
}

// NewTokens returns a credentials source over a lookup and a Box.
func NewTokens(lookup TokenLookup, box *Box) *Tokens {
	return &Tokens{lookup: lookup, box: box}
}

// Credentials returns the decrypted credentials of an account.
func (t *Tokens) Credentials(ctx context.Context, accountID string) (domain.Credentials, error) {
	st, err := t.lookup(ctx, accountID)
	if err != nil {
		return domain.Credentials{}, err
	}
	tok, err := t.Decrypt(st.AuthTokenEnc)
	if err != nil {
		return domain.Credentials{}, err
	}
	return domain.Credentials{AccountSID: st.AccountSID, AuthToken: tok}, nil
}

// Decrypt decrypts a stored token, through the cache.
func (t *Tokens) Decrypt(enc string) (string, error) {
	if tok, ok := t.cache.Load(enc); ok {
		return tok.(string), nil
	}
	tok, err := t.box.Decrypt(enc)
	if err != nil {
		return "", err
	}
	t.cache.Store(enc, tok)
	return tok, nil
}
