package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// RoutingFacts are what routing rules may test about a conversation at
// handoff. The workflow builds them from its own state so that replaying the
// history routes the same way.
type RoutingFacts struct {
	CustomerE164        string
	CustomerCountryCode string // digits without +; derived from CustomerE164 when empty
	ProfileName         string
	MessageBody         string
	ChannelE164         string
	ButtonPayload       string // the tapped button's or list item's payload, "" for typed messages
	CampaignID          string // the campaign the conversation answers, "" for none (campaign.id)
}

// RoutingDecision is the outcome of Route, kept on the conversation and shown
// to operators. RuleID and RuleName are empty when the default queue was used.
type RoutingDecision struct {
	RuleID   string          `json:"rule_id,omitempty"`
	RuleName string          `json:"rule_name,omitempty"`
	QueueID  string          `json:"queue_id"`
	Skills   []SkillRequired `json:"skills,omitempty"`
	Priority int             `json:"priority"`
	Reason   string          `json:"reason"`
}

// Reasons given when no rule matched.
const (
	ReasonDefaultQueue   = "no rule matched: default queue of the workstream"
	ReasonNoDefaultQueue = "no rule matched and the workstream has no default queue"
)

// routeReasonValueMax bounds how much of a condition value a Reason quotes:
// the reason is shown in the Temporal UI and stored on every conversation,
// and a 1 KiB regular expression would drown the sentence.
const routeReasonValueMax = 80

// Route classifies work: rules are taken by Order (ties keep their given
// order; the input is not modified) and the first rule whose conditions all
// hold wins; a rule without conditions always holds. Without a match the
// conversation goes to defaultQueueID. A matching rule without a queue is
// skipped rather than routing nowhere.
//
// Route is pure and deterministic (no map iteration, no clock), so the
// conversation workflow may call it directly and get the same decision on
// replay.
func Route(rules []RoutingRule, facts RoutingFacts, defaultQueueID string) RoutingDecision {
	if facts.CustomerCountryCode == "" {
		facts.CustomerCountryCode = CountryCode(facts.CustomerE164)
	}
	ordered := make([]*RoutingRule, len(rules))
	for i := range rules {
		ordered[i] = &rules[i]
	}
	slices.SortStableFunc(ordered, func(a, b *RoutingRule) int {
		switch {
		case a.Order < b.Order:
			return -1
		case a.Order > b.Order:
			return 1
		}
		return 0
	})
	var regexps routeRegexps
	for _, r := range ordered {
		if r.QueueID == "" || !ruleHolds(r.Conditions, &facts, &regexps) {
			continue
		}
		return RoutingDecision{
			RuleID:   r.ID,
			RuleName: r.Name,
			QueueID:  r.QueueID,
			// A copy: the decision lives in workflow state and must not
			// change if the caller reuses its rules slice.
			Skills:   slices.Clone(r.Skills),
			Priority: r.Priority,
			Reason:   ruleReason(r),
		}
	}
	if defaultQueueID == "" {
		return RoutingDecision{Reason: ReasonNoDefaultQueue}
	}
	return RoutingDecision{QueueID: defaultQueueID, Reason: ReasonDefaultQueue}
}

func ruleHolds(conds []Condition, facts *RoutingFacts, res *routeRegexps) bool {
	for i := range conds {
		if !conditionHolds(&conds[i], facts, res) {
			return false
		}
	}
	return true
}

// conditionHolds evaluates one condition. A field or operator this version
// does not know never holds, so a rule written for a newer version cannot
// capture traffic by accident.
func conditionHolds(c *Condition, f *RoutingFacts, res *routeRegexps) bool {
	var fact string
	textField := false // free text typed by people: compared case-insensitively
	phoneField := false
	value := c.Value
	switch c.Field {
	case FieldCustomerE164:
		fact, phoneField = f.CustomerE164, true
	case FieldChannelE164:
		fact, phoneField = f.ChannelE164, true
	case FieldCustomerCountryCode:
		fact = strings.TrimPrefix(strings.TrimSpace(f.CustomerCountryCode), "+")
		if c.Op != OpMatches {
			// Admins write "+33" as often as "33"; validation stores "33",
			// older rows may not.
			value = strings.TrimPrefix(strings.TrimSpace(value), "+")
		}
	case FieldCustomerProfileName:
		fact, textField = f.ProfileName, true
	case FieldMessageBody:
		fact, textField = f.MessageBody, true
	case FieldMessageButtonPayload:
		fact = f.ButtonPayload
	case FieldCampaignID:
		fact = f.CampaignID
	default:
		return false
	}
	switch c.Op {
	case OpEq, OpNeq:
		eq := fact == value
		if textField {
			eq = strings.EqualFold(fact, value)
		}
		return eq == (c.Op == OpEq)
	case OpPrefix:
		if phoneField && !strings.HasPrefix(value, "+") {
			// Validation accepts "+3361" and "3361" alike for phone prefixes.
			fact = strings.TrimPrefix(fact, "+")
		}
		return strings.HasPrefix(strings.ToLower(fact), strings.ToLower(value))
	case OpContains:
		return strings.Contains(strings.ToLower(fact), strings.ToLower(value))
	case OpMatches:
		re := res.get(value)
		return re != nil && re.MatchString(fact)
	}
	return false
}

// ruleReason is the human sentence operators read: which rule, and the
// conditions that held. It quotes the rule's own values, never the
// customer's data.
func ruleReason(r *RoutingRule) string {
	// strconv rather than fmt: workflowcheck cannot prove fmt's reflection
	// deterministic, and the workflow calls Route directly.
	var b strings.Builder
	b.WriteString("rule " + strconv.Quote(r.Name) + " (#" + strconv.Itoa(r.Order) + "): ")
	if len(r.Conditions) == 0 {
		b.WriteString("no conditions")
		return b.String()
	}
	for i, c := range r.Conditions {
		if i > 0 {
			b.WriteString(" and ")
		}
		b.WriteString(c.Field + " " + c.Op + " " + strconv.Quote(truncateRunes(c.Value, routeReasonValueMax)))
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// routeRegexps compiles each pattern at most once per Route call, backed by a
// process-wide cache so that the same rules are not recompiled for every
// conversation.
type routeRegexps struct {
	local map[string]*regexp.Regexp // nil value: invalid pattern
}

func (r *routeRegexps) get(pattern string) *regexp.Regexp {
	if re, ok := r.local[pattern]; ok {
		return re
	}
	re := routeRegexpCache.get(pattern)
	if r.local == nil {
		r.local = make(map[string]*regexp.Regexp)
	}
	r.local[pattern] = re
	return re
}

// routeRegexpCacheMax bounds the shared cache; patterns come from validated
// admin rules, so this is only a guard against unbounded growth.
const routeRegexpCacheMax = 512

var routeRegexpCache = &regexpCache{m: make(map[string]*regexp.Regexp)}

// regexpCache is safe for concurrent use: workflow and activity goroutines
// route at the same time. A *regexp.Regexp is itself safe to share.
type regexpCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

func (c *regexpCache) get(pattern string) *regexp.Regexp {
	c.mu.Lock()
	re, ok := c.m[pattern]
	c.mu.Unlock()
	if ok {
		return re
	}
	// An invalid pattern (validation should have refused it) is cached as
	// nil: it never matches and never panics.
	re, err := regexp.Compile(pattern)
	if err != nil {
		re = nil
	}
	c.mu.Lock()
	if len(c.m) >= routeRegexpCacheMax {
		// Starting over is simpler than LRU bookkeeping and the result of
		// Route never depends on what is cached.
		c.m = make(map[string]*regexp.Regexp)
	}
	c.m[pattern] = re
	c.mu.Unlock()
	return re
}

// CountryCode returns the ITU-T E.164 country calling code of a phone number
// ("+33612345678" → "33"), as digits without +; "" when the number does not
// start with an assigned code. A leading "whatsapp:" or "00" is accepted.
func CountryCode(e164 string) string {
	s := strings.TrimSpace(e164)
	s = strings.TrimPrefix(s, "whatsapp:")
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	} else {
		s = strings.TrimPrefix(s, "00")
	}
	// Country codes are prefix-free, so the first assigned prefix is the code.
	for n := 1; n <= 3 && n <= len(s); n++ {
		p := s[:n]
		if !isASCIIDigits(p) {
			return ""
		}
		if callingCodes[p] {
			return p
		}
	}
	return ""
}

func isASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// callingCodes are the assigned ITU-T E.164 country codes (geographic, plus
// the global services a WhatsApp sender could in theory carry). Spare and
// withdrawn codes (e.g. 210, 384, 671, 684, 969, 997) are left out so that a
// mistyped number yields no country rather than a wrong one.
var callingCodes = func() map[string]bool {
	const codes = `
		1 7
		20 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229
		230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249
		250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269
		27 290 291 297 298 299
		30 31 32 33 34 350 351 352 353 354 355 356 357 358 359 36
		370 371 372 373 374 375 376 377 378 379 380 381 382 383 385 386 387 389 39
		40 41 420 421 423 43 44 45 46 47 48 49
		500 501 502 503 504 505 506 507 508 509 51 52 53 54 55 56 57 58
		590 591 592 593 594 595 596 597 598 599
		60 61 62 63 64 65 66 670 672 673 674 675 676 677 678 679
		680 681 682 683 685 686 687 688 689 690 691 692
		800 808 81 82 84 850 852 853 855 856 86 870 880 881 882 883 886 888
		90 91 92 93 94 95 960 961 962 963 964 965 966 967 968
		970 971 972 973 974 975 976 977 979 98 992 993 994 995 996 998`
	m := make(map[string]bool, 256)
	for _, c := range strings.Fields(codes) {
		m[c] = true
	}
	return m
}()
