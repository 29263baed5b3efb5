package domain

import "strings"

// Mask hides a phone number for logs and operator views: it keeps the
// country code, the first digit of the national number and the last two
// digits, so "+33612345678" becomes "+33 6•• •• •• 78" and
// "whatsapp:+14155550100" becomes "whatsapp:+1 4• •• •• •• 00". Anything
// else with more than four digits keeps only its last two digits.
func Mask(s string) string {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits <= 4 {
		return s
	}
	prefix, rest := "", strings.TrimSpace(s)
	if strings.HasPrefix(rest, "whatsapp:") {
		prefix, rest = "whatsapp:", strings.TrimSpace(rest[len("whatsapp:"):])
	}
	if strings.HasPrefix(rest, "+") || strings.HasPrefix(rest, "00") {
		all := onlyDigits(rest)
		if strings.HasPrefix(rest, "00") {
			all = all[2:]
		}
		if cc := countryCodeLen(all); cc > 0 && len(all)-cc >= 4 {
			return prefix + "+" + all[:cc] + " " + maskNational(all[cc:])
		}
	}
	// Not a recognisable international number: hide all but the last two digits.
	out := []rune(s)
	seen := 0
	for i, r := range out {
		if r >= '0' && r <= '9' {
			seen++
			if seen <= digits-2 {
				out[i] = '•'
			}
		}
	}
	return string(out)
}

// maskNational keeps the first and the last two digits of a national
// number, in pairs from the right: "612345678" -> "6•• •• •• 78".
func maskNational(n string) string {
	masked := []byte{}
	groups := []string{}
	for end := len(n); end > 0; end -= 2 {
		start := max(end-2, 0)
		groups = append([]string{n[start:end]}, groups...)
	}
	if len(groups) > 1 && len(groups[0]) == 1 {
		groups = append([]string{groups[0] + groups[1]}, groups[2:]...)
	}
	for gi, g := range groups {
		if gi > 0 {
			masked = append(masked, ' ')
		}
		for ci := range len(g) {
			keep := (gi == 0 && ci == 0) || gi == len(groups)-1
			if keep {
				masked = append(masked, g[ci])
			} else {
				masked = append(masked, "•"...)
			}
		}
	}
	return string(masked)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// countryCodeLen returns the length of the ITU calling code that starts
// the digits (1 to 3).
func countryCodeLen(d string) int {
	if d == "" {
		return 0
	}
	switch d[0] {
	case '1', '7':
		return 1
	}
	if len(d) < 2 {
		return 0
	}
	if twoDigitCodes[d[:2]] {
		return 2
	}
	if len(d) < 3 {
		return 0
	}
	return 3
}

var twoDigitCodes = map[string]bool{}

func init() {
	for _, c := range strings.Fields(`20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49
		51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98`) {
		twoDigitCodes[c] = true
	}
}
