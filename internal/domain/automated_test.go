package domain

import (
	"testing"
	"unicode/utf8"
)

func automatedWorkstream() *Workstream {
	return &Workstream{
		Language: "fr-FR",
		AutomatedMessages: map[string]map[string]string{
			"fr-FR": {MsgGreeting: "Bonjour (fr-FR)", MsgQueued: "Patientez (fr-FR)", MsgAfterHours: "Fermé (fr-FR)"},
			"fr-BE": {MsgGreeting: "Bonjour (fr-BE)"},
			"fr":    {MsgQueued: "Patientez (fr)"},
			"en":    {MsgGreeting: "Hello (en)", MsgQueued: "   "},
			"en-US": {MsgAfterHours: "Closed (en-US)"},
			"pt-PT": {MsgGreeting: "Olá (pt-PT)"},
			"pt-AO": {MsgGreeting: "Olá (pt-AO)"},
		},
		Survey: &Survey{Question: map[string]string{"fr-FR": "Note (fr-FR) ?", "en": "Score (en)?"}},
	}
}

func TestAutomatedMessageFallback(t *testing.T) {
	w := automatedWorkstream()
	for _, tc := range []struct {
		name, kind, lang string
		want             string // "" = not configured
	}{
		{"exact", MsgGreeting, "fr-BE", "Bonjour (fr-BE)"},
		{"exact, any case", MsgGreeting, "FR-be", "Bonjour (fr-BE)"},
		{"exact, underscore", MsgGreeting, "fr_BE", "Bonjour (fr-BE)"},
		{"base before sibling", MsgQueued, "fr-CA", "Patientez (fr)"},
		{"sibling: workstream language first", MsgGreeting, "fr-CA", "Bonjour (fr-FR)"},
		{"sibling: the only one with the kind", MsgAfterHours, "en-GB", "Closed (en-US)"},
		{"sibling: alphabetical when the workstream is not one", MsgGreeting, "pt-BR", "Olá (pt-AO)"},
		{"exact bare base", MsgGreeting, "en", "Hello (en)"},
		{"blank text is not configured: workstream language", MsgQueued, "en", "Patientez (fr-FR)"},
		{"unknown language: workstream language", MsgGreeting, "de-DE", "Bonjour (fr-FR)"},
		{"empty language: workstream language", MsgGreeting, "", "Bonjour (fr-FR)"},
		{"garbage language: workstream language", MsgGreeting, "!!", "Bonjour (fr-FR)"},
		{"kind nowhere", MsgSurveyThanks, "fr-FR", ""},
		{"unknown kind", "goodbye", "fr-FR", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := w.AutomatedMessage(tc.kind, tc.lang)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("AutomatedMessage(%q, %q) = %q, %v; want %q", tc.kind, tc.lang, got, ok, tc.want)
			}
		})
	}
}

func TestAutomatedMessageWorkstreamBase(t *testing.T) {
	// The workstream language itself has no text but its base does.
	w := &Workstream{Language: "es-MX", AutomatedMessages: map[string]map[string]string{
		"es":    {MsgGreeting: "Hola (es)"},
		"en-GB": {MsgGreeting: "Hello (en-GB)"},
	}}
	if got, ok := w.AutomatedMessage(MsgGreeting, "de"); !ok || got != "Hola (es)" {
		t.Fatalf("got %q %v", got, ok)
	}
	if got, ok := w.AutomatedMessage(MsgGreeting, "en-US"); !ok || got != "Hello (en-GB)" {
		t.Fatalf("got %q %v", got, ok)
	}
}

func TestAutomatedMessageNothingConfigured(t *testing.T) {
	var nilWS *Workstream
	for _, w := range []*Workstream{nilWS, {Language: "fr-FR"}, {Language: "fr-FR", AutomatedMessages: map[string]map[string]string{"fr-FR": nil}}} {
		if got, ok := w.AutomatedMessage(MsgGreeting, "fr-FR"); ok || got != "" {
			t.Errorf("%+v: got %q %v", w, got, ok)
		}
		if got, ok := w.SurveyQuestion("fr-FR"); ok || got != "" {
			t.Errorf("%+v: survey got %q %v", w, got, ok)
		}
	}
}

func TestSurveyQuestion(t *testing.T) {
	w := automatedWorkstream()
	for lang, want := range map[string]string{
		"fr-FR": "Note (fr-FR) ?",
		"fr-CA": "Note (fr-FR) ?",
		"en-US": "Score (en)?",
		"en":    "Score (en)?",
		"de":    "Note (fr-FR) ?",
		"":      "Note (fr-FR) ?",
	} {
		if got, ok := w.SurveyQuestion(lang); !ok || got != want {
			t.Errorf("SurveyQuestion(%q) = %q, %v; want %q", lang, got, ok, want)
		}
	}
}

// TestAutomatedMessageIsDeterministic: map order must not leak into the
// choice among siblings.
func TestAutomatedMessageIsDeterministic(t *testing.T) {
	w := &Workstream{Language: "de", AutomatedMessages: map[string]map[string]string{}}
	for _, l := range []string{"pt-PT", "pt-AO", "pt-MZ", "pt-CV", "pt-GW", "pt-ST", "pt-TL", "pt-MO"} {
		w.AutomatedMessages[l] = map[string]string{MsgGreeting: "Olá (" + l + ")"}
	}
	for range 100 {
		if got, _ := w.AutomatedMessage(MsgGreeting, "pt-BR"); got != "Olá (pt-AO)" {
			t.Fatalf("got %q", got)
		}
	}
}

func TestParseSurveyScore(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int // 0 = not a score
	}{
		{"4", 4},
		{" 5 ", 5},
		{"1", 1},
		{"4/5", 4},
		{"5/5 !", 5},
		{"I'd say 3", 3},
		{"Je mets 2.", 2},
		{"note: 4, merci", 4},
		{"⭐⭐⭐⭐", 4},
		{"⭐️⭐️⭐️", 3}, // with variation selectors
		{"★★★★★", 5},
		{"⭐", 1},
		{"3⭐", 3},
		{"4️⃣", 4},
		{"٤", 4}, // Arabic-Indic
		{"۵", 5}, // Extended Arabic-Indic (Persian)
		{"３", 3}, // full width
		{"My order 12345 was late, 2", 2},
		{"waited 8 minutes, 4", 4}, // 8 is no score, 4 is
		{"", 0},
		{"   ", 0},
		{"0", 0},
		{"6", 0},
		{"9", 0},
		{"10", 0},
		{"10/10", 0},
		{"2024", 0},
		{"3.5", 0},
		{"4,5", 0},
		{"1٢", 0}, // mixed scripts make one number
		{"merci !", 0},
		{"⭐⭐⭐⭐⭐⭐", 0},
		{"+33612345678", 0},
		{"Great", 0},
	} {
		got, ok := ParseSurveyScore(tc.in)
		if ok != (tc.want != 0) || got != tc.want {
			t.Errorf("ParseSurveyScore(%q) = %d, %v; want %d", tc.in, got, ok, tc.want)
		}
	}
}

// FuzzParseSurveyScore: never panics, and a score is always 1–5.
func FuzzParseSurveyScore(f *testing.F) {
	for _, s := range []string{"4", " 5 ", "4/5", "I'd say 3", "⭐⭐⭐⭐", "10", "2024", "3.5", "٤", "4️⃣", "\xff4\xfe", "", "0", "1,", ",1", "1."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := ParseSurveyScore(body)
		if ok && (got < 1 || got > 5) {
			t.Fatalf("ParseSurveyScore(%q) = %d, true", body, got)
		}
		if !ok && got != 0 {
			t.Fatalf("ParseSurveyScore(%q) = %d, false", body, got)
		}
		if ok && utf8.ValidString(body) && len(body) < 4000 {
			// A score must come from something in the reply.
			if again, ok2 := ParseSurveyScore(" " + body + " "); !ok2 || again != got {
				t.Fatalf("surrounding spaces changed %q: %d vs %d", body, got, again)
			}
		}
	})
}
