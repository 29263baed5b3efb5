package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Sign authenticates msg for purpose (e.g. "media-url") with a key derived
// from the primary key: unforgeable without the key, and distinct per
// purpose, so a signature made for one use never passes for another.
func (b *Box) Sign(purpose, msg string) string {
	return base64.RawURLEncoding.EncodeToString(b.mac(b.keys[0], purpose, msg))
}

// Verify reports whether sig is Sign(purpose, msg) under any configured
// key: a link signed before a key rotation keeps working while the old
// key is still listed.
func (b *Box) Verify(purpose, msg, sig string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	for _, k := range b.keys {
		if hmac.Equal(raw, b.mac(k, purpose, msg)) {
			return true
		}
	}
	return false
}

func (b *Box) mac(k key, purpose, msg string) []byte {
	derived := hmac.New(sha256.New, k.mac)
	derived.Write([]byte("switchboard-signature:" + purpose))
	m := hmac.New(sha256.New, derived.Sum(nil))
	m.Write([]byte(msg))
	return m.Sum(nil)
}
