package domain

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"+33612345678":          "+33 6•• •• •• 78",
		"whatsapp:+14155550100": "whatsapp:+1 4• •• •• •• 00",
		"+447700900123":         "+44 7• •• •• •• 23",
		"+8613812345678":        "+86 1•• •• •• •• 78",
		"+35312345678":          "+353 1• •• •• 78",
		"0033612345678":         "+33 6•• •• •• 78",
		"1234":                  "1234",
		"06 12 34 56 78":        "•• •• •• •• 78",
		"":                      "",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskNeverShowsTheMiddle(t *testing.T) {
	for _, n := range []string{"+33612345678", "+14155550100", "+5511987654321", "+2348012345678", "+9715012345678"} {
		m := Mask(n)
		digits := onlyDigits(m)
		if len(digits) > 6 || strings.Contains(m, n[3:9]) {
			t.Errorf("Mask(%q) = %q shows too much", n, m)
		}
	}
}
