package domain

import (
	"strings"
	"testing"
	"time"
)

func validWorkstream() Workstream {
	return Workstream{
		Name: " Support FR ", Language: "fr-fr", Distribution: DistributionPush, CapacityPerConversation: 1,
		AutomatedMessages: map[string]map[string]string{"fr-fr": {MsgGreeting: "Bonjour"}, "en": {MsgQueued: "Please wait"}},
		Survey:            &Survey{Enabled: true, Question: map[string]string{"FR-fr": "Note de 1 à 5 ?"}, Timeout: Duration(10 * time.Minute)},
		InactivityTimeout: Duration(30 * time.Minute),
		OperatingHours: &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{
			"mon": {{"09:00", "12:00"}, {"14:00", "18:00"}}, "sat": {{"10:00", "24:00"}},
		}},
		Bot: &Bot{URL: "https://bot.example.com/webhooks/rest/webhook", HandoffKeyword: " agent "},
	}
}

func TestNormalizeWorkstreamCanonicalizes(t *testing.T) {
	w := validWorkstream()
	if err := NormalizeWorkstream(&w); err != nil {
		t.Fatal(err)
	}
	if w.Name != "Support FR" || w.Language != "fr-FR" || w.AutomatedMessages["fr-FR"][MsgGreeting] != "Bonjour" ||
		w.Survey.Question["fr-FR"] == "" || w.Bot.Timeout.D() != DefaultBotTimeout || w.Bot.HandoffKeyword != "agent" {
		t.Fatalf("not normalized: %+v %+v %+v", w, w.Survey, w.Bot)
	}
}

func TestNormalizeWorkstreamRules(t *testing.T) {
	long := strings.Repeat("é", MaxAutomatedMessageLen+1)
	for _, tc := range []struct {
		name   string
		change func(w *Workstream)
		want   string // part of the error; "" = valid
	}{
		{"name required", func(w *Workstream) { w.Name = "  " }, "name is required"},
		{"language required", func(w *Workstream) { w.Language = "" }, "language"},
		{"language unknown", func(w *Workstream) { w.Language = "xx-YY" }, "language"},
		{"language not a language", func(w *Workstream) { w.Language = "x-private" }, "language"},
		{"distribution", func(w *Workstream) { w.Distribution = "round_robin" }, "distribution"},
		{"distribution pick", func(w *Workstream) { w.Distribution = DistributionPick }, ""},
		{"capacity zero", func(w *Workstream) { w.CapacityPerConversation = 0 }, "capacity_per_conversation"},
		{"inactivity negative", func(w *Workstream) { w.InactivityTimeout = Duration(-time.Second) }, "inactivity_timeout"},
		{"inactivity zero is never", func(w *Workstream) { w.InactivityTimeout = 0 }, ""},
		{"wrap up negative", func(w *Workstream) { w.WrapUp = Duration(-time.Second) }, "wrap_up"},
		{"message language", func(w *Workstream) { w.AutomatedMessages["klingon!"] = map[string]string{MsgGreeting: "x"} }, "automated_messages"},
		{"message language twice", func(w *Workstream) { w.AutomatedMessages["fr-FR"] = map[string]string{MsgGreeting: "x"} }, "given twice"},
		{"message kind", func(w *Workstream) { w.AutomatedMessages["en"]["goodbye"] = "x" }, "unknown kind"},
		{"message empty", func(w *Workstream) { w.AutomatedMessages["en"][MsgQueued] = " " }, "empty"},
		{"message too long", func(w *Workstream) { w.AutomatedMessages["en"][MsgQueued] = long }, "longer than"},
		{"message at the limit", func(w *Workstream) { w.AutomatedMessages["en"][MsgQueued] = long[2:] }, ""},
		{"survey without timeout", func(w *Workstream) { w.Survey.Timeout = 0 }, "survey.timeout"},
		{"survey disabled without timeout", func(w *Workstream) { w.Survey.Enabled = false; w.Survey.Timeout = 0 }, ""},
		{"survey without workstream language", func(w *Workstream) { w.Survey.Question = map[string]string{"en": "Score?"} }, "workstream language fr-FR"},
		{"survey question language", func(w *Workstream) { w.Survey.Question["??"] = "x" }, "survey.question"},
		{"survey question empty", func(w *Workstream) { w.Survey.Question["fr"] = "" }, "survey.question.fr"},
		{"no survey", func(w *Workstream) { w.Survey = nil }, ""},
		{"timezone", func(w *Workstream) { w.OperatingHours.Timezone = "Europe/Lutece" }, "IANA"},
		{"timezone missing", func(w *Workstream) { w.OperatingHours.Timezone = "" }, "timezone is required"},
		{"no days", func(w *Workstream) { w.OperatingHours.Weekly = nil }, "no day"},
		{"unknown day", func(w *Workstream) { w.OperatingHours.Weekly["monday"] = nil }, "unknown day"},
		{"bad time", func(w *Workstream) { w.OperatingHours.Weekly["tue"] = []TimeRange{{"9:00", "12:00"}} }, "HH:MM"},
		{"hour 25", func(w *Workstream) { w.OperatingHours.Weekly["tue"] = []TimeRange{{"09:00", "25:00"}} }, "HH:MM"},
		{"start 24:00", func(w *Workstream) { w.OperatingHours.Weekly["tue"] = []TimeRange{{"24:00", "24:00"}} }, "HH:MM"},
		{"start after end", func(w *Workstream) { w.OperatingHours.Weekly["tue"] = []TimeRange{{"18:00", "09:00"}} }, "before end"},
		{"empty range", func(w *Workstream) { w.OperatingHours.Weekly["tue"] = []TimeRange{{"09:00", "09:00"}} }, "before end"},
		{"overlap", func(w *Workstream) {
			w.OperatingHours.Weekly["tue"] = []TimeRange{{"13:00", "18:00"}, {"09:00", "13:30"}}
		}, "overlap"},
		{"touching ranges", func(w *Workstream) {
			w.OperatingHours.Weekly["tue"] = []TimeRange{{"13:00", "18:00"}, {"09:00", "13:00"}}
		}, ""},
		{"closed day", func(w *Workstream) { w.OperatingHours.Weekly["sun"] = []TimeRange{} }, ""},
		{"always open", func(w *Workstream) { w.OperatingHours = nil }, ""},
		{"window nudge", func(w *Workstream) {
			w.WindowNudge = &WindowNudge{Before: Duration(2 * time.Hour), Text: "Still there?"}
		}, ""},
		{"window nudge too early", func(w *Workstream) { w.WindowNudge = &WindowNudge{Before: Duration(24 * time.Hour), Text: "x"} }, "window_nudge.before"},
		{"window nudge zero", func(w *Workstream) { w.WindowNudge = &WindowNudge{Text: "x"} }, "window_nudge.before"},
		{"window nudge without text", func(w *Workstream) { w.WindowNudge = &WindowNudge{Before: Duration(time.Hour), Text: " "} }, "window_nudge.text"},
		{"window nudge text too long", func(w *Workstream) { w.WindowNudge = &WindowNudge{Before: Duration(time.Hour), Text: long} }, "window_nudge.text"},
		{"bot url relative", func(w *Workstream) { w.Bot.URL = "/webhook" }, "bot.url"},
		{"bot url scheme", func(w *Workstream) { w.Bot.URL = "ftp://bot.example.com" }, "bot.url"},
		{"bot keyword", func(w *Workstream) { w.Bot.HandoffKeyword = "  " }, "handoff_keyword"},
		{"bot timeout short", func(w *Workstream) { w.Bot.Timeout = Duration(500 * time.Millisecond) }, "bot.timeout"},
		{"bot timeout long", func(w *Workstream) { w.Bot.Timeout = Duration(61 * time.Second) }, "bot.timeout"},
		{"bot timeout max", func(w *Workstream) { w.Bot.Timeout = Duration(60 * time.Second) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := validWorkstream()
			tc.change(&w)
			err := NormalizeWorkstream(&w)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error about %q", tc.want)
			case tc.want != "" && (!strings.Contains(err.Error(), tc.want) || ErrorCode(err) != CodeInvalid):
				t.Fatalf("error %v, want INVALID_ARGUMENT about %q", err, tc.want)
			}
		})
	}
}
