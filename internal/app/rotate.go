package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/secret"
	"github.com/switchboard/switchboard/internal/store"
)

// RotateReport is what `switchboard rotate-keys` did.
type RotateReport struct {
	Accounts   int      // accounts looked at
	Rotated    int      // re-encrypted with the primary key
	Current    int      // already encrypted with the primary key
	Unreadable []string // account ids whose token no configured key decrypts
}

// RotateKeys is `switchboard rotate-keys`: every account's Twilio auth token
// is re-encrypted with the primary key (SWITCHBOARD_SECRET_KEY), decrypted
// with whichever configured key made it (SWITCHBOARD_SECRET_KEY_PREVIOUS).
// Once it reports no unreadable token, the previous keys can be removed.
// Safe to run twice (the second run rotates nothing) and while the service
// runs (a token changed meanwhile is left as it is).
func RotateKeys(ctx context.Context, cfg config.Config, logger *slog.Logger) (RotateReport, error) {
	var rep RotateReport
	if cfg.DatabaseURL == "" {
		return rep, errors.New("DATABASE_URL is not set")
	}
	box, err := secret.NewBox(cfg.SecretKeys...)
	if err != nil {
		return rep, fmt.Errorf("SWITCHBOARD_SECRET_KEY: %w", err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return rep, err
	}
	defer st.Close()
	accounts, err := st.AccountTokens(ctx)
	if err != nil {
		return rep, err
	}
	for _, acc := range accounts {
		rep.Accounts++
		if !box.NeedsRotation(acc.AuthTokenEnc) {
			rep.Current++
			continue
		}
		plain, err := box.DecryptFor(acc.AuthTokenEnc, secret.AccountOwner(acc.ID))
		if err != nil {
			logger.Error("account token not readable with the configured keys", "account_id", acc.ID, "err", err)
			rep.Unreadable = append(rep.Unreadable, acc.ID)
			continue
		}
		enc, err := box.EncryptFor(plain, secret.AccountOwner(acc.ID))
		if err != nil {
			return rep, err
		}
		swapped, err := st.SwapAccountToken(ctx, acc.ID, acc.AuthTokenEnc, enc)
		if err != nil {
			return rep, fmt.Errorf("account %s: %w", acc.ID, err)
		}
		if swapped {
			rep.Rotated++
		} else {
			rep.Current++ // changed meanwhile: the new value was encrypted with the primary key
		}
	}
	logger.Info("account tokens rotated", "accounts", rep.Accounts, "rotated", rep.Rotated,
		"current", rep.Current, "unreadable", len(rep.Unreadable))
	if len(rep.Unreadable) > 0 {
		return rep, fmt.Errorf("%d account token(s) could not be decrypted with any configured key (accounts %v): "+
			"keep the key that encrypted them in SWITCHBOARD_SECRET_KEY_PREVIOUS, or set their tokens again with PATCH", len(rep.Unreadable), rep.Unreadable)
	}
	return rep, nil
}
