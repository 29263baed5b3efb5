package domain

import (
	"strings"
	"testing"
)

func TestNormalizeE164(t *testing.T) {
	ok := map[string]string{
		"+33612345678":                "+33612345678",
		"whatsapp:+33612345678":       "+33612345678",
		" whatsapp:+33 6 12 34 56 78": "+33612345678",
		"0033612345678":               "+33612345678",
		"+1 (415) 523-8886":           "+14155238886",
		"+1.415.523.8886":             "+14155238886",
	}
	for in, want := range ok {
		got, err := NormalizeE164(in)
		if err != nil || got != want {
			t.Errorf("NormalizeE164(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "+", "33612345678", "+0612345678", "+33 6 12", "+336123456789012345", "+33-6x12345678", "whatsapp:", "++33612345678", "0612345678"} {
		if got, err := NormalizeE164(in); err == nil {
			t.Errorf("NormalizeE164(%q) = %q, want an error", in, got)
		} else if ErrorCode(err) != CodeInvalid {
			t.Errorf("NormalizeE164(%q): code %s", in, ErrorCode(err))
		}
	}
}

func TestMaskHidesAllButTheLastDigits(t *testing.T) {
	for _, n := range []string{"+33612345678", "whatsapp:+14155238886"} {
		m := Mask(n)
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if len(digits) > 6 || strings.Contains(m, n[len(n)-8:]) {
			t.Errorf("Mask(%q) = %q shows too much", n, m)
		}
		if !strings.HasSuffix(m, n[len(n)-2:]) {
			t.Errorf("Mask(%q) = %q should end with the last digits", n, m)
		}
	}
}

func FuzzNormalizeE164(f *testing.F) {
	for _, s := range []string{"+33612345678", "whatsapp:+1 415 523 8886", "0033612345678", "", "+", "whatsapp:00 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeE164(in)
		if err != nil {
			return
		}
		if !ValidE164(out) {
			t.Fatalf("NormalizeE164(%q) = %q is not E.164", in, out)
		}
		again, err := NormalizeE164(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
	})
}
