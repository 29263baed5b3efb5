package domain

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Routing rule limits.
const (
	MaxConditions     = 20
	MaxConditionValue = 1024
	MaxRuleSkills     = 20
)

// ConditionFields and ConditionOps are what a routing condition may test.
var (
	ConditionFields = []string{FieldCustomerE164, FieldCustomerCountryCode, FieldCustomerProfileName, FieldMessageBody, FieldChannelE164, FieldMessageButtonPayload, FieldCampaignID}
	ConditionOps    = []string{OpEq, OpNeq, OpPrefix, OpContains, OpMatches}
)

var (
	digitsRE      = regexp.MustCompile(`^[0-9]{1,3}$`)
	phonePrefixRE = regexp.MustCompile(`^\+?[0-9]{1,15}$`)
)

// NormalizeRoutingRule checks a rule's name, conditions and skills (the
// queue's existence is the store's job) and writes values in canonical form:
// E.164 numbers for eq/neq on phone fields, trimmed skill names.
func NormalizeRoutingRule(r *RoutingRule) error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || utf8.RuneCountInString(r.Name) > MaxNameLength {
		return Errorf(CodeInvalid, "name is required (at most %d characters)", MaxNameLength)
	}
	if r.Priority < math.MinInt32 || r.Priority > math.MaxInt32 {
		return Errorf(CodeInvalid, "priority is out of range")
	}
	if len(r.Conditions) > MaxConditions {
		return Errorf(CodeInvalid, "conditions: at most %d", MaxConditions)
	}
	if r.Conditions == nil {
		r.Conditions = []Condition{}
	}
	for i := range r.Conditions {
		if err := normalizeCondition(&r.Conditions[i]); err != nil {
			return Errorf(CodeInvalid, "conditions[%d]: %s", i, err.(*Error).Message)
		}
	}
	return normalizeRequiredSkills(r)
}

func normalizeCondition(c *Condition) error {
	if !slices.Contains(ConditionFields, c.Field) {
		return Errorf(CodeInvalid, "unknown field %q (use %s)", c.Field, strings.Join(ConditionFields, ", "))
	}
	if !slices.Contains(ConditionOps, c.Op) {
		return Errorf(CodeInvalid, "unknown op %q (use %s)", c.Op, strings.Join(ConditionOps, ", "))
	}
	if c.Value == "" {
		return Errorf(CodeInvalid, "value is required")
	}
	if utf8.RuneCountInString(c.Value) > MaxConditionValue {
		return Errorf(CodeInvalid, "value is longer than %d characters", MaxConditionValue)
	}
	if c.Op == OpMatches {
		// RE2: linear time whatever the input, so a customer's message cannot
		// make routing slow.
		if _, err := regexp.Compile(c.Value); err != nil {
			return Errorf(CodeInvalid, "value %q is not a valid regular expression (RE2 syntax): %v", c.Value, err)
		}
		return nil
	}
	switch c.Field {
	case FieldCustomerCountryCode:
		c.Value = strings.TrimPrefix(strings.TrimSpace(c.Value), "+")
		if !digitsRE.MatchString(c.Value) {
			return Errorf(CodeInvalid, "customer.country_code values are 1 to 3 digits, such as 33 or 1")
		}
	case FieldCampaignID:
		// Campaign ids are UUIDs, stored lower-case.
		if c.Op == OpEq || c.Op == OpNeq {
			c.Value = strings.ToLower(strings.TrimSpace(c.Value))
		}
	case FieldCustomerE164, FieldChannelE164:
		switch c.Op {
		case OpEq, OpNeq:
			e164, err := NormalizeE164(c.Value)
			if err != nil {
				return Errorf(CodeInvalid, "%s: %s", c.Field, err.(*Error).Message)
			}
			c.Value = e164
		case OpPrefix:
			if !phonePrefixRE.MatchString(c.Value) {
				return Errorf(CodeInvalid, "%s prefix must be digits, optionally after +, such as +3361", c.Field)
			}
		}
	}
	return nil
}

func normalizeRequiredSkills(r *RoutingRule) error {
	if len(r.Skills) > MaxRuleSkills {
		return Errorf(CodeInvalid, "skills: at most %d", MaxRuleSkills)
	}
	if r.Skills == nil {
		r.Skills = []SkillRequired{}
	}
	seen := map[string]bool{}
	for i := range r.Skills {
		s := &r.Skills[i]
		s.Name = strings.ToLower(strings.TrimSpace(s.Name)) // agents' skills are lower-cased too
		if s.Name == "" || utf8.RuneCountInString(s.Name) > MaxNameLength {
			return Errorf(CodeInvalid, "skills[%d].name is required (at most %d characters)", i, MaxNameLength)
		}
		if s.MinProficiency < 1 || s.MinProficiency > 10 {
			return Errorf(CodeInvalid, "skills[%d].min_proficiency must be from 1 to 10", i)
		}
		if seen[s.Name] {
			return Errorf(CodeInvalid, "skills: %q is listed twice", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}
