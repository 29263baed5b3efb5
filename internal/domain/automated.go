package domain

import (
	"slices"
	"strings"
	"unicode"
)

// AutomatedMessage returns the text of an automated message kind (MsgGreeting,
// ...) for a customer language, falling back as a customer would want:
//
//  1. the language itself (fr-CA),
//  2. its base language (fr),
//  3. another variant of that base (fr-FR; the workstream language first if
//     it is one, else the first in alphabetical order),
//  4. then the same three steps for the workstream language.
//
// An empty or blank text counts as not configured. false means nothing to
// send. The choice never depends on map order, so the workflow may call it.
func (w *Workstream) AutomatedMessage(kind, lang string) (string, bool) {
	if w == nil || len(w.AutomatedMessages) == 0 {
		return "", false
	}
	return localizedText(sortedLanguages(w.AutomatedMessages), func(l string) string {
		return w.AutomatedMessages[l][kind]
	}, lang, w.Language)
}

// SurveyQuestion returns the survey question for a customer language, with
// the fallback of AutomatedMessage. It does not look at Survey.Enabled: the
// caller decides whether a survey runs.
func (w *Workstream) SurveyQuestion(lang string) (string, bool) {
	if w == nil || w.Survey == nil || len(w.Survey.Question) == 0 {
		return "", false
	}
	return localizedText(sortedLanguages(w.Survey.Question), func(l string) string {
		return w.Survey.Question[l]
	}, lang, w.Language)
}

// sortedLanguages lists the keys of a per-language map in a fixed order, so
// that fallbacks never depend on map iteration order.
func sortedLanguages[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	//workflowcheck:ignore the keys are sorted right below
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// localizedText walks the fallback ladder over langs (sorted keys), text
// giving the text configured for a key. Tags are compared syntactically
// (case and "_" ignored) rather than through x/text's CanonicalLanguage:
// keys are already canonical after NormalizeWorkstream, and workflowcheck
// cannot prove x/text deterministic while the workflow calls this directly.
func localizedText(langs []string, text func(string) string, lang, wsLang string) (string, bool) {
	usable := func(k string) (string, bool) {
		s := text(k)
		return s, strings.TrimSpace(s) != ""
	}
	wsKey := langKey(wsLang)
	ladder := func(want string) (string, bool) {
		want = langKey(want)
		if want == "" {
			return "", false
		}
		// 1. exact.
		for _, k := range langs {
			if langKey(k) == want {
				if s, ok := usable(k); ok {
					return s, true
				}
			}
		}
		base := langBase(want)
		// 2. the base language itself.
		for _, k := range langs {
			if langKey(k) == base {
				if s, ok := usable(k); ok {
					return s, true
				}
			}
		}
		// 3. a sibling variant, the workstream's own first.
		var sibling string
		found := false
		for _, k := range langs {
			if langBase(langKey(k)) != base {
				continue
			}
			s, ok := usable(k)
			if !ok {
				continue
			}
			if langKey(k) == wsKey {
				return s, true
			}
			if !found {
				sibling, found = s, true
			}
		}
		return sibling, found
	}
	if s, ok := ladder(lang); ok {
		return s, true
	}
	return ladder(wsLang)
}

// langKey is a BCP 47 tag in a comparable form: trimmed, lower case, "-".
func langKey(tag string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
}

// langBase is the primary language subtag of a langKey ("fr-ca" → "fr").
func langBase(key string) string {
	base, _, _ := strings.Cut(key, "-")
	return base
}

// ParseSurveyScore reads a 1–5 survey answer the way customers write it:
// "4", " 5 ", "4/5", "I'd say 3", "4️⃣", "⭐⭐⭐⭐", "٤". The first standalone
// digit from 1 to 5 wins; a digit that is part of a larger number ("10",
// "2024", "3.5") does not count, nor do 0 and 6–9. Without such a digit, a
// reply of 1 to 5 stars counts its stars. false means the reply is not a
// score (during the survey it then starts a new conversation).
func ParseSurveyScore(body string) (int, bool) {
	// A score is short; bounding the scan keeps a pasted essay cheap.
	if len(body) > 4096 {
		body = body[:4096]
	}
	rs := []rune(strings.TrimSpace(body))
	for i := 0; i < len(rs); {
		if _, ok := surveyDigit(rs[i]); !ok {
			i++
			continue
		}
		// A number token: digits, possibly with inner decimal separators
		// ("3.5", "4,5" read as decimals, not as two answers).
		j := i + 1
		for j < len(rs) {
			if _, ok := surveyDigit(rs[j]); ok {
				j++
				continue
			}
			if (rs[j] == '.' || rs[j] == ',') && j+1 < len(rs) {
				if _, ok := surveyDigit(rs[j+1]); ok {
					j += 2
					continue
				}
			}
			break
		}
		if j == i+1 {
			if v, _ := surveyDigit(rs[i]); v >= 1 && v <= 5 {
				return v, true
			}
		}
		i = j
	}
	stars := 0
	for _, r := range rs {
		switch r {
		case '⭐', '★', '🌟':
			stars++
		}
	}
	if stars >= 1 && stars <= 5 {
		return stars, true
	}
	return 0, false
}

// surveyDigit returns the value of a decimal digit in the scripts WhatsApp
// customers commonly type: ASCII, Arabic-Indic, Extended Arabic-Indic
// (Persian, Urdu), Devanagari and full-width forms.
func surveyDigit(r rune) (int, bool) {
	for _, zero := range []rune{'0', '\u0660', '\u06F0', '\u0966', '\uFF10'} {
		if r >= zero && r <= zero+9 {
			return int(r - zero), true
		}
	}
	// Other decimal digits still separate numbers ("1٢" is not a 1).
	if unicode.IsDigit(r) {
		return -1, true
	}
	return 0, false
}
