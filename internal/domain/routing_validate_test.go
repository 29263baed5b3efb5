package domain

import (
	"strings"
	"testing"
)

func validRule() RoutingRule {
	return RoutingRule{
		Name: " VIP France ",
		Conditions: []Condition{
			{Field: FieldCustomerCountryCode, Op: OpEq, Value: "+33"},
			{Field: FieldMessageBody, Op: OpMatches, Value: `(?i)\bcommande\b`},
			{Field: FieldChannelE164, Op: OpEq, Value: "+33 1 80 00 00 00"},
		},
		QueueID: "q",
		Skills:  []SkillRequired{{Name: " french ", MinProficiency: 5}},
	}
}

func TestNormalizeRoutingRuleCanonicalizes(t *testing.T) {
	r := validRule()
	if err := NormalizeRoutingRule(&r); err != nil {
		t.Fatal(err)
	}
	if r.Name != "VIP France" || r.Conditions[0].Value != "33" || r.Conditions[2].Value != "+33180000000" || r.Skills[0].Name != "french" {
		t.Fatalf("not normalized: %+v", r)
	}
}

func TestNormalizeRoutingRuleRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(r *RoutingRule)
		want   string
	}{
		{"name", func(r *RoutingRule) { r.Name = "" }, "name is required"},
		{"no conditions matches everything", func(r *RoutingRule) { r.Conditions = nil }, ""},
		{"unknown field", func(r *RoutingRule) { r.Conditions[0].Field = "customer.email" }, "conditions[0]: unknown field"},
		{"unknown op", func(r *RoutingRule) { r.Conditions[1].Op = "like" }, "conditions[1]: unknown op"},
		{"empty value", func(r *RoutingRule) { r.Conditions[1].Value = "" }, "value is required"},
		{"regex", func(r *RoutingRule) { r.Conditions[1].Value = "(unclosed" }, "regular expression"},
		{"regex backreference is not RE2", func(r *RoutingRule) { r.Conditions[1].Value = `(a)\1` }, "regular expression"},
		{"country code letters", func(r *RoutingRule) { r.Conditions[0].Value = "FR" }, "country_code"},
		{"country code too long", func(r *RoutingRule) { r.Conditions[0].Value = "3312" }, "country_code"},
		{"country code regex", func(r *RoutingRule) { r.Conditions[0] = Condition{FieldCustomerCountryCode, OpMatches, "^(33|32)$"} }, ""},
		{"phone eq", func(r *RoutingRule) { r.Conditions[2].Value = "hello" }, "channel.e164"},
		{"phone prefix", func(r *RoutingRule) { r.Conditions[2] = Condition{FieldCustomerE164, OpPrefix, "+336"} }, ""},
		{"phone prefix letters", func(r *RoutingRule) { r.Conditions[2] = Condition{FieldCustomerE164, OpPrefix, "+33a"} }, "prefix"},
		{"skill name", func(r *RoutingRule) { r.Skills[0].Name = " " }, "skills[0].name"},
		{"skill proficiency low", func(r *RoutingRule) { r.Skills[0].MinProficiency = 0 }, "min_proficiency"},
		{"skill proficiency high", func(r *RoutingRule) { r.Skills[0].MinProficiency = 11 }, "min_proficiency"},
		{"duplicate skill", func(r *RoutingRule) { r.Skills = append(r.Skills, SkillRequired{"french", 2}) }, "listed twice"},
		{"too many conditions", func(r *RoutingRule) {
			for range MaxConditions {
				r.Conditions = append(r.Conditions, Condition{FieldMessageBody, OpContains, "x"})
			}
		}, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validRule()
			tc.change(&r)
			err := NormalizeRoutingRule(&r)
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
