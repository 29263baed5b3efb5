package domain

import (
	"strings"
	"testing"
)

func TestIsHandoffKeyword(t *testing.T) {
	for _, tc := range []struct {
		message, keyword string
		want             bool
	}{
		{"agent", "agent", true},
		{"  AGENT  ", "agent", true},
		{"Agent", " agent ", true},
		{"I want an agent please", "agent", true},
		{"agent!", "agent", true},
		{"agent ?", "agent", true},
		{"je veux l'agent", "agent", true},
		{"(agent)", "agent", true},
		{"agent🙏", "agent", true},
		{"agents", "agent", false},
		{"agentic AI", "agent", false},
		{"reagent", "agent", false},
		{"agent_x", "agent", false},
		{"un conseiller svp", "conseiller", true},
		{"CONSEILLER", "Conseiller", true},
		{"conseillère", "conseiller", false}, // a longer word
		{"talk to  a\thuman now", "talk to a human", true},
		{"talk to a humane society", "talk to a human", false},
		{"human", "talk to a human", false},
		{"#agent", "#agent", true},
		{"need #agent now", "#agent", true},
		{"need x#agent now", "#agent", true}, // no word boundary needed before '#'
		{"0", "0", true},
		{"call 0 now", "0", true},
		{"call 10 now", "0", false},
		{"", "agent", false},
		{"agent", "", false},
		{"agent", "   ", false},
		{"", "", false},
		{"agagent agent", "agent", true}, // a later occurrence counts
		{"ÉCRIRE À UN HUMAIN", "humain", true},
		{"\xffagent\xfe", "agent", true},
	} {
		if got := IsHandoffKeyword(tc.message, tc.keyword); got != tc.want {
			t.Errorf("IsHandoffKeyword(%q, %q) = %v, want %v", tc.message, tc.keyword, got, tc.want)
		}
	}
}

func FuzzIsHandoffKeyword(f *testing.F) {
	f.Add("I want an agent", "agent")
	f.Add("agents", "agent")
	f.Add("\xff", "\xff")
	f.Add("ǅ", "ǆ")
	f.Fuzz(func(t *testing.T, message, keyword string) {
		got := IsHandoffKeyword(message, keyword)
		// The keyword alone is always a handoff.
		if strings.TrimSpace(keyword) != "" && !IsHandoffKeyword(keyword, keyword) {
			t.Fatalf("keyword %q alone is not a handoff", keyword)
		}
		if got && !IsHandoffKeyword(" "+message+" ", keyword) {
			t.Fatalf("padding with spaces changed the answer for %q / %q", message, keyword)
		}
	})
}
