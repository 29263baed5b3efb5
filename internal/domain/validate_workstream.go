package domain

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	_ "time/tzdata" // operating hours must validate the same in a minimal container
)

// Workstream limits.
const (
	MaxNameLength          = 200
	MaxAutomatedMessageLen = 1024 // characters, WhatsApp's limit for a session message is higher; keep them short
	MaxCapacityPerConv     = 100
	MaxInactivityTimeout   = 30 * 24 * time.Hour
	MaxWrapUp              = 24 * time.Hour
	DefaultBotTimeout      = 10 * time.Second
	MinBotTimeout          = time.Second
	MaxBotTimeout          = 60 * time.Second
	MaxSurveyTimeout       = 24 * time.Hour // the survey only runs inside the 24-hour window anyway
)

// NormalizeWorkstream checks every rule of a workstream's settings that needs
// no database, and rewrites it in canonical form: trimmed name, canonical
// language tags (fr-fr → fr-FR) everywhere, default bot timeout. That the
// default queue exists is the store's job.
func NormalizeWorkstream(w *Workstream) error {
	w.Name = strings.TrimSpace(w.Name)
	if w.Name == "" || utf8.RuneCountInString(w.Name) > MaxNameLength {
		return Errorf(CodeInvalid, "name is required (at most %d characters)", MaxNameLength)
	}
	lang, err := CanonicalLanguage(w.Language)
	if err != nil {
		return Errorf(CodeInvalid, "language: %s", err.(*Error).Message)
	}
	w.Language = lang
	if w.Distribution != DistributionPush && w.Distribution != DistributionPick {
		return Errorf(CodeInvalid, "distribution must be %q (Switchboard assigns agents) or %q (agents pick from their queues)", DistributionPush, DistributionPick)
	}
	if w.CapacityPerConversation < 1 || w.CapacityPerConversation > MaxCapacityPerConv {
		return Errorf(CodeInvalid, "capacity_per_conversation must be from 1 to %d (the share of an agent's capacity one conversation takes)", MaxCapacityPerConv)
	}
	if w.InactivityTimeout < 0 || w.InactivityTimeout.D() > MaxInactivityTimeout {
		return Errorf(CodeInvalid, "inactivity_timeout must be from 0s (never) to %s", MaxInactivityTimeout)
	}
	if w.WrapUp < 0 || w.WrapUp.D() > MaxWrapUp {
		return Errorf(CodeInvalid, "wrap_up must be from 0s to %s", MaxWrapUp)
	}
	if w.AutomatedMessages, err = normalizeAutomatedMessages(w.AutomatedMessages); err != nil {
		return err
	}
	if err := normalizeSurvey(w.Survey, w.Language); err != nil {
		return err
	}
	if err := ValidateOperatingHours(w.OperatingHours); err != nil {
		return err
	}
	if err := ValidateSupervision(w.Supervision); err != nil {
		return err
	}
	if err := normalizeWindowNudge(w.WindowNudge); err != nil {
		return err
	}
	return normalizeBot(w.Bot)
}

// MaxWindowNudgeBefore bounds window_nudge.before: the nudge goes out
// within the 24-hour window, after the customer's message.
const MaxWindowNudgeBefore = 23 * time.Hour

func normalizeWindowNudge(n *WindowNudge) error {
	if n == nil {
		return nil
	}
	if n.Before.D() < time.Minute || n.Before.D() > MaxWindowNudgeBefore {
		return Errorf(CodeInvalid, "window_nudge.before must be from 1m to %s (how long before the window closes the customer is nudged)", MaxWindowNudgeBefore)
	}
	n.Text = strings.TrimSpace(n.Text)
	if n.Text == "" || utf8.RuneCountInString(n.Text) > MaxAutomatedMessageLen {
		return Errorf(CodeInvalid, "window_nudge.text is required (at most %d characters)", MaxAutomatedMessageLen)
	}
	return nil
}

func normalizeAutomatedMessages(in map[string]map[string]string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(in))
	for lang, texts := range in {
		canon, err := CanonicalLanguage(lang)
		if err != nil {
			return nil, Errorf(CodeInvalid, "automated_messages: %s", err.(*Error).Message)
		}
		if _, dup := out[canon]; dup {
			return nil, Errorf(CodeInvalid, "automated_messages: language %s is given twice (%q)", canon, lang)
		}
		kinds := make(map[string]string, len(texts))
		for kind, text := range texts {
			if !slices.Contains(AutomatedMessageKinds, kind) {
				return nil, Errorf(CodeInvalid, "automated_messages.%s: unknown kind %q (known: %s)", canon, kind, strings.Join(AutomatedMessageKinds, ", "))
			}
			if strings.TrimSpace(text) == "" {
				return nil, Errorf(CodeInvalid, "automated_messages.%s.%s is empty: leave the kind out to send nothing", canon, kind)
			}
			if utf8.RuneCountInString(text) > MaxAutomatedMessageLen {
				return nil, Errorf(CodeInvalid, "automated_messages.%s.%s is longer than %d characters", canon, kind, MaxAutomatedMessageLen)
			}
			kinds[kind] = text
		}
		out[canon] = kinds
	}
	return out, nil
}

func normalizeSurvey(s *Survey, wsLanguage string) error {
	if s == nil {
		return nil
	}
	q := make(map[string]string, len(s.Question))
	for lang, text := range s.Question {
		canon, err := CanonicalLanguage(lang)
		if err != nil {
			return Errorf(CodeInvalid, "survey.question: %s", err.(*Error).Message)
		}
		if _, dup := q[canon]; dup {
			return Errorf(CodeInvalid, "survey.question: language %s is given twice (%q)", canon, lang)
		}
		if strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > MaxAutomatedMessageLen {
			return Errorf(CodeInvalid, "survey.question.%s must have text (at most %d characters)", canon, MaxAutomatedMessageLen)
		}
		q[canon] = text
	}
	s.Question = q
	if s.Timeout < 0 || s.Timeout.D() > MaxSurveyTimeout {
		return Errorf(CodeInvalid, "survey.timeout must be from 1s to %s", MaxSurveyTimeout)
	}
	if !s.Enabled {
		return nil
	}
	if s.Timeout <= 0 {
		return Errorf(CodeInvalid, "survey.timeout is required when the survey is enabled (how long to wait for the score, e.g. \"10m\")")
	}
	if _, ok := q[wsLanguage]; !ok {
		return Errorf(CodeInvalid, "survey.question needs a question in the workstream language %s when the survey is enabled", wsLanguage)
	}
	return nil
}

func normalizeBot(b *Bot) error {
	if b == nil {
		return nil
	}
	b.URL = strings.TrimSpace(b.URL)
	u, err := url.Parse(b.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(CodeInvalid, "bot.url must be an absolute http(s) URL (the bot's Rasa REST webhook)")
	}
	b.HandoffKeyword = strings.TrimSpace(b.HandoffKeyword)
	if b.HandoffKeyword == "" {
		return Errorf(CodeInvalid, "bot.handoff_keyword is required (what a customer types to reach a human, e.g. \"agent\")")
	}
	if b.Timeout == 0 {
		b.Timeout = Duration(DefaultBotTimeout)
	}
	if b.Timeout.D() < MinBotTimeout || b.Timeout.D() > MaxBotTimeout {
		return Errorf(CodeInvalid, "bot.timeout must be from %s to %s", MinBotTimeout, MaxBotTimeout)
	}
	return nil
}
