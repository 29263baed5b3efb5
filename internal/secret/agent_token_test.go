package secret

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewAgentToken(t *testing.T) {
	tok, hash := NewAgentToken()
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, AgentTokenPrefix))
	if !strings.HasPrefix(tok, "sbat_") || err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes, %v", tok, len(raw), err)
	}
	if !LooksLikeAgentToken(tok) || LooksLikeAgentToken(tok[1:]) || LooksLikeAgentToken("sbat_x") {
		t.Fatal("LooksLikeAgentToken")
	}
	if hash != HashAgentToken(tok) || len(hash) != 64 || strings.Contains(hash, tok) {
		t.Fatalf("hash %q", hash)
	}
	if other, _ := NewAgentToken(); other == tok {
		t.Fatal("two tokens are equal")
	}
}
