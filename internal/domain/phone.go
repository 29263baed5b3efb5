package domain

import (
	"regexp"
	"strings"
)

// SandboxSender is the number of Twilio's shared WhatsApp sandbox.
const SandboxSender = "+14155238886"

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// ValidE164 reports whether s is a strict E.164 number (+ and 7 to 15 digits).
func ValidE164(s string) bool { return e164RE.MatchString(s) }

// NormalizeE164 accepts what people and Twilio write — "whatsapp:+33 6 12 34 56 78",
// "0033612345678", "+1 (415) 523-8886" — and returns strict E.164, or an error.
func NormalizeE164(s string) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "whatsapp:")
	s = strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", Errorf(CodeInvalid, "phone number %q: unexpected character %q", Mask(orig), r)
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	if !ValidE164(n) {
		return "", Errorf(CodeInvalid, "phone number %q is not E.164 (+ country code and 7 to 15 digits)", Mask(orig))
	}
	return n, nil
}

// WhatsAppAddress returns Twilio's address form of an E.164 number.
func WhatsAppAddress(e164 string) string { return "whatsapp:" + e164 }
