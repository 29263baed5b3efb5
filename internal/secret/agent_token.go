package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// AgentTokenPrefix starts every agent bearer token, so a leaked one is easy
// to recognise (and to scan for).
const AgentTokenPrefix = "sbat_"

// NewAgentToken returns a fresh agent bearer token — "sbat_" and 32 random
// bytes in unpadded base64url — and the hash to store in its place.
func NewAgentToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	token = AgentTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashAgentToken(token)
}

// HashAgentToken is what the database keeps of an agent token: hex SHA-256.
// The token is 256 random bits, so a fast hash is enough (no brute force).
func HashAgentToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// LooksLikeAgentToken reports whether s has the shape of an agent token.
func LooksLikeAgentToken(s string) bool {
	return strings.HasPrefix(s, AgentTokenPrefix) && len(s) == len(AgentTokenPrefix)+43
}
