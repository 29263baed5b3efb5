package emulator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
)

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

const whatsappPrefix = "whatsapp:"

// validE164 reports whether s is strict E.164.
func validE164(s string) bool { return e164RE.MatchString(s) }

// bareNumber strips the "whatsapp:" channel prefix.
func bareNumber(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), whatsappPrefix) }

// maskNumber hides all but the last four digits, for logs.
func maskNumber(s string) string {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	out := []rune(s)
	for i, r := range out {
		if digits <= 4 {
			break
		}
		if r >= '0' && r <= '9' {
			out[i] = '*'
			digits--
		}
	}
	return string(out)
}

// newSID returns a Twilio-style SID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// rfc2822 formats t like Twilio: "Mon, 02 Jan 2006 15:04:05 +0000".
func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }
