// Package secret encrypts Twilio auth tokens at rest with AES-256-GCM and
// supports key rotation: the first key encrypts, every key decrypts.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Ciphertext versions: v1 authenticates "v1:<keyid>"; v2 also names what
// the secret belongs to (an account), so that a ciphertext copied into
// another account's row does not open there.
const (
	version      = "v1"
	versionBound = "v2"
)

// Errors returned by Decrypt; test them with errors.Is.
var (
	ErrMalformed  = errors.New("secret: malformed ciphertext")
	ErrUnknownKey = errors.New("secret: ciphertext was encrypted with a key that is not configured")
	ErrTampered   = errors.New("secret: ciphertext failed authentication (tampered, or wrong key)")
)

type key struct {
	id   string // first 8 hex digits of sha256(key)
	aead cipher.AEAD
	mac  []byte // HMAC key for Fingerprint, derived from the key
}

// Box encrypts and decrypts short secrets. It is safe for concurrent use and
// never prints its keys.
type Box struct {
	keys []key // keys[0] is the primary (encrypting) key
}

// NewBox takes one or more base64-encoded 32-byte keys (standard or URL
// alphabet, padded or not). The first key encrypts; all keys decrypt.
func NewBox(keys ...string) (*Box, error) {
	if len(keys) == 0 {
		return nil, errors.New("secret: no key given (want base64 of 32 bytes, e.g. from `openssl rand -base64 32`)")
	}
	b := &Box{}
	seen := map[string][]byte{}
	for i, s := range keys {
		raw, err := decodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("secret: key %d of %d: %w", i+1, len(keys), err)
		}
		id := keyID(raw)
		if prev, ok := seen[id]; ok {
			if string(prev) == string(raw) {
				continue // the same key listed twice is harmless
			}
			return nil, fmt.Errorf("secret: key %d of %d has the same id %s as an earlier key; generate another", i+1, len(keys), id)
		}
		seen[id] = raw
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("secret: key %d of %d: %w", i+1, len(keys), err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secret: key %d of %d: %w", i+1, len(keys), err)
		}
		mac := sha256.Sum256(append([]byte("switchboard-fingerprint:"), raw...))
		b.keys = append(b.keys, key{id: id, aead: aead, mac: mac[:]})
	}
	return b, nil
}

// decodeKey accepts the four base64 variants; the error never contains the key.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("is empty (want base64 of 32 bytes)")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		raw, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(raw) != 32 {
			return nil, fmt.Errorf("decodes to %d bytes, want 32", len(raw))
		}
		return raw, nil
	}
	return nil, errors.New("is not valid base64 (want base64 of 32 bytes)")
}

func keyID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:4])
}

// Encrypt seals plaintext with the primary key: "v1:<keyid>:<base64(nonce|ciphertext)>".
// The "v1:<keyid>" header is authenticated too.
func (b *Box) Encrypt(plaintext string) (string, error) {
	k := b.keys[0]
	header := version + ":" + k.id
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: reading random nonce: %w", err)
	}
	sealed := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(header))
	return header + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a value produced by Encrypt with whichever configured key made it.
func (b *Box) Decrypt(ciphertext string) (string, error) {
	ver, id, payload, ok := split(ciphertext)
	if !ok || ver != version {
		return "", ErrMalformed
	}
	k, ok := b.find(id)
	if !ok {
		return "", fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	sealed, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(sealed) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", ErrMalformed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(ver+":"+id))
	if err != nil {
		return "", ErrTampered
	}
	return string(plain), nil
}

// Fingerprint names a value without revealing it, e.g. a customer's number
// in the audit log of an erasure: "<keyid>:" and 32 hex digits of an HMAC
// with a key derived from the primary key. A plain hash would not do: phone
// numbers are few enough to be hashed all. The same value gives the same
// fingerprint until the primary key changes.
func (b *Box) Fingerprint(value string) string {
	k := b.keys[0]
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(value))
	return k.id + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

// EncryptFor seals plaintext for owner (e.g. "account:<id>") with the
// primary key: "v2:<keyid>:<base64(nonce|ciphertext)>", where the header and
// the owner are authenticated. Only DecryptFor with the same owner opens it.
func (b *Box) EncryptFor(plaintext, owner string) (string, error) {
	k := b.keys[0]
	header := versionBound + ":" + k.id
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: reading random nonce: %w", err)
	}
	sealed := k.aead.Seal(nonce, nonce, []byte(plaintext), []byte(header+":"+owner))
	return header + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// DecryptFor opens a value sealed by EncryptFor for owner, or a v1 value
// (written before ciphertexts named their owner; `switchboard rotate-keys`
// rewrites those as v2).
func (b *Box) DecryptFor(ciphertext, owner string) (string, error) {
	ver, id, payload, ok := split(ciphertext)
	switch {
	case ok && ver == version:
		return b.Decrypt(ciphertext)
	case !ok || ver != versionBound:
		return "", ErrMalformed
	}
	k, ok := b.find(id)
	if !ok {
		return "", fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	sealed, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || len(sealed) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", ErrMalformed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], []byte(ver+":"+id+":"+owner))
	if err != nil {
		return "", ErrTampered
	}
	return string(plain), nil
}

// NeedsRotation reports whether ciphertext was not produced by EncryptFor
// with the primary key (v1 values, values of older keys, and values that
// are not ciphertexts at all), so callers can re-encrypt.
func (b *Box) NeedsRotation(ciphertext string) bool {
	ver, id, _, ok := split(ciphertext)
	return !ok || ver != versionBound || id != b.keys[0].id
}

// AccountOwner is the owner an account's Twilio auth token is sealed for.
func AccountOwner(accountID string) string { return "account:" + accountID }

func (b *Box) find(id string) (key, bool) {
	for _, k := range b.keys {
		if k.id == id {
			return k, true
		}
	}
	return key{}, false
}

func split(s string) (ver, id, payload string, ok bool) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// String and GoString keep keys out of logs and panics.
func (b *Box) String() string   { return fmt.Sprintf("secret.Box{keys: %d}", len(b.keys)) }
func (b *Box) GoString() string { return b.String() }

// GenerateKey returns a new random key, base64 (standard, padded) of 32 bytes.
func GenerateKey() string {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		panic("secret: crypto/rand failed: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(raw)
}
