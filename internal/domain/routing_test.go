package domain

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestCountryCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+14155238886", "1"},
		{"+33612345678", "33"},
		{"+79161234567", "7"},
		{"+442071838750", "44"},
		{"+212612345678", "212"},
		{"+351912345678", "351"},
		{"+380501234567", "380"},
		{"+420601123456", "420"},
		{"+5511912345678", "55"},
		{"+590690123456", "590"},
		{"+819012345678", "81"},
		{"+85291234567", "852"},
		{"+8613812345678", "86"},
		{"+971501234567", "971"},
		{"+998901234567", "998"},
		{"+27821234567", "27"},
		{"+2348031234567", "234"},
		{"+80012345678", "800"},
		{"33612345678", "33"},   // without +
		{"0033612345678", "33"}, // international prefix
		{"whatsapp:+34612345678", "34"},
		{" +49301234567 ", "49"},
		{"+2101234567", ""}, // 210 is spare
		{"+3841234567", ""}, // 384 is spare
		{"+6711234567", ""}, // Guam moved to +1
		{"+9971234567", ""}, // 997 is spare
		{"+0123456789", ""}, // no code starts with 0
		{"+", ""},
		{"", ""},
		{"+3", ""},
		{"+3a612345678", ""},
		{"abc", ""},
	} {
		if got := CountryCode(tc.in); got != tc.want {
			t.Errorf("CountryCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCountryCodeTableIsPrefixFree guards the table itself: E.164 codes are a
// prefix code, so no assigned code may start another one.
func TestCountryCodeTableIsPrefixFree(t *testing.T) {
	for _, two := range strings.Fields("20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98") {
		if !callingCodes[two] {
			t.Errorf("two-digit code %s missing", two)
		}
	}
	n := 0
	for code := range callingCodes {
		n++
		for i := 1; i < len(code); i++ {
			if callingCodes[code[:i]] {
				t.Errorf("code %s starts with assigned code %s", code, code[:i])
			}
		}
	}
	if n < 200 {
		t.Errorf("only %d codes in the table", n)
	}
}

func routeRule(id string, order int, queue string, conds ...Condition) RoutingRule {
	return RoutingRule{ID: id, Order: order, Name: "rule " + id, QueueID: queue, Conditions: conds}
}

func routeCond(field, op, value string) Condition {
	return Condition{Field: field, Op: op, Value: value}
}

var routeFacts = RoutingFacts{
	CustomerE164: "+33612345678",
	ProfileName:  "Marie Dupont",
	MessageBody:  "Bonjour, ma COMMANDE 1234 n'est pas arrivée",
	ChannelE164:  "+14155238886",
}

func TestRouteOperators(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Condition
		want bool
	}{
		{"e164 eq", routeCond(FieldCustomerE164, OpEq, "+33612345678"), true},
		{"e164 eq other", routeCond(FieldCustomerE164, OpEq, "+33612345679"), false},
		{"e164 neq", routeCond(FieldCustomerE164, OpNeq, "+33612345679"), true},
		{"e164 neq same", routeCond(FieldCustomerE164, OpNeq, "+33612345678"), false},
		{"e164 prefix with plus", routeCond(FieldCustomerE164, OpPrefix, "+336"), true},
		{"e164 prefix without plus", routeCond(FieldCustomerE164, OpPrefix, "336"), true},
		{"e164 prefix other", routeCond(FieldCustomerE164, OpPrefix, "+337"), false},
		{"e164 contains", routeCond(FieldCustomerE164, OpContains, "1234"), true},
		{"e164 matches", routeCond(FieldCustomerE164, OpMatches, `^\+33[67]`), true},
		{"country eq derived", routeCond(FieldCustomerCountryCode, OpEq, "33"), true},
		{"country eq with plus", routeCond(FieldCustomerCountryCode, OpEq, "+33"), true},
		{"country eq other", routeCond(FieldCustomerCountryCode, OpEq, "32"), false},
		{"country neq", routeCond(FieldCustomerCountryCode, OpNeq, "1"), true},
		{"country prefix", routeCond(FieldCustomerCountryCode, OpPrefix, "3"), true},
		{"country matches", routeCond(FieldCustomerCountryCode, OpMatches, `^(33|32|41)$`), true},
		{"profile eq case-insensitive", routeCond(FieldCustomerProfileName, OpEq, "marie dupont"), true},
		{"profile eq is whole", routeCond(FieldCustomerProfileName, OpEq, "marie"), false},
		{"profile neq case-insensitive", routeCond(FieldCustomerProfileName, OpNeq, "MARIE DUPONT"), false},
		{"profile prefix case-insensitive", routeCond(FieldCustomerProfileName, OpPrefix, "MARIE"), true},
		{"profile contains", routeCond(FieldCustomerProfileName, OpContains, "dup"), true},
		{"body contains case-insensitive", routeCond(FieldMessageBody, OpContains, "commande"), true},
		{"body contains accents", routeCond(FieldMessageBody, OpContains, "ARRIVÉE"), true},
		{"body contains absent", routeCond(FieldMessageBody, OpContains, "facture"), false},
		{"body eq whole message only", routeCond(FieldMessageBody, OpEq, "bonjour"), false},
		{"body prefix", routeCond(FieldMessageBody, OpPrefix, "bonjour,"), true},
		{"body matches is case-sensitive by default", routeCond(FieldMessageBody, OpMatches, `commande \d+`), false},
		{"body matches with (?i)", routeCond(FieldMessageBody, OpMatches, `(?i)commande \d+`), true},
		{"body matches invalid regex never matches", routeCond(FieldMessageBody, OpMatches, `(commande`), false},
		{"channel eq", routeCond(FieldChannelE164, OpEq, "+14155238886"), true},
		{"channel prefix", routeCond(FieldChannelE164, OpPrefix, "+1415"), true},
		{"channel neq", routeCond(FieldChannelE164, OpNeq, "+14155238886"), false},
		{"unknown field never holds", routeCond("customer.email", OpNeq, "x"), false},
		{"unknown op never holds", routeCond(FieldMessageBody, "startswith", "bon"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Route([]RoutingRule{routeRule("r1", 1, "q-rule", tc.c)}, routeFacts, "q-default")
			if got := d.QueueID == "q-rule"; got != tc.want {
				t.Fatalf("matched = %v, want %v (decision %+v)", got, tc.want, d)
			}
		})
	}
}

func TestRouteFirstMatchByOrder(t *testing.T) {
	rules := []RoutingRule{
		routeRule("catch-all", 10, "q-general"),
		routeRule("vip", 2, "q-vip", routeCond(FieldCustomerCountryCode, OpEq, "33"), routeCond(FieldMessageBody, OpContains, "commande")),
		routeRule("belgium", 1, "q-be", routeCond(FieldCustomerCountryCode, OpEq, "32")),
		routeRule("tie-second", 2, "q-tie", routeCond(FieldCustomerCountryCode, OpEq, "33")),
	}
	rules[1].Name = "VIP France"
	rules[1].Skills = []SkillRequired{{Name: "french", MinProficiency: 5}}
	rules[1].Priority = 7
	before := slices.Clone(rules)

	d := Route(rules, routeFacts, "q-default")
	want := RoutingDecision{
		RuleID: "vip", RuleName: "VIP France", QueueID: "q-vip",
		Skills: []SkillRequired{{Name: "french", MinProficiency: 5}}, Priority: 7,
		Reason: `rule "VIP France" (#2): customer.country_code eq "33" and message.body contains "commande"`,
	}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", d, want)
	}
	for i := range rules {
		if rules[i].ID != before[i].ID {
			t.Fatalf("input reordered: %v", rules)
		}
	}
	// The decision owns its skills.
	d.Skills[0].Name = "changed"
	if rules[1].Skills[0].Name != "french" {
		t.Fatal("decision aliases the rule's skills")
	}

	// vip and tie-second share Order 2 and both held above: the earlier in
	// the input won (stable sort). Without "commande" only tie-second holds.
	facts := routeFacts
	facts.MessageBody = "hello"
	if d := Route(rules, facts, "q-default"); d.RuleID != "tie-second" {
		t.Fatalf("got %+v, want tie-second", d)
	}
	// Only the catch-all holds.
	facts.CustomerE164 = "+4915112345678"
	d = Route(rules, facts, "q-default")
	if d.RuleID != "catch-all" || d.QueueID != "q-general" || d.Reason != `rule "rule catch-all" (#10): no conditions` {
		t.Fatalf("got %+v", d)
	}
}

func TestRouteDefaultQueue(t *testing.T) {
	rules := []RoutingRule{routeRule("be", 1, "q-be", routeCond(FieldCustomerCountryCode, OpEq, "32"))}
	d := Route(rules, routeFacts, "q-default")
	if d.QueueID != "q-default" || d.RuleID != "" || d.Reason != "no rule matched: default queue of the workstream" || d.Skills != nil || d.Priority != 0 {
		t.Fatalf("got %+v", d)
	}
	d = Route(nil, routeFacts, "")
	if d.QueueID != "" || d.Reason != ReasonNoDefaultQueue {
		t.Fatalf("got %+v", d)
	}
}

func TestRouteSkipsRuleWithoutQueue(t *testing.T) {
	rules := []RoutingRule{routeRule("broken", 1, ""), routeRule("ok", 2, "q-ok")}
	if d := Route(rules, routeFacts, "q-default"); d.RuleID != "ok" {
		t.Fatalf("got %+v", d)
	}
}

func TestRouteExplicitCountryCodeWins(t *testing.T) {
	facts := routeFacts
	facts.CustomerCountryCode = "+262" // e.g. computed upstream from the WaId
	rules := []RoutingRule{routeRule("re", 1, "q-re", routeCond(FieldCustomerCountryCode, OpEq, "262"))}
	if d := Route(rules, facts, "q-default"); d.RuleID != "re" {
		t.Fatalf("got %+v", d)
	}
}

func TestRouteReasonTruncatesLongValues(t *testing.T) {
	long := strings.Repeat("é", 200)
	r := routeRule("long", 1, "q", routeCond(FieldMessageBody, OpNeq, long))
	d := Route([]RoutingRule{r}, routeFacts, "q-default")
	if !strings.Contains(d.Reason, strings.Repeat("é", 80)+"…") || strings.Contains(d.Reason, strings.Repeat("é", 81)) {
		t.Fatalf("reason not truncated: %s", d.Reason)
	}
}

// TestRouteConcurrent runs under -race: the regexp cache is shared.
func TestRouteConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				pattern := fmt.Sprintf(`(?i)commande %d|^Bonjour`, (g*200+i)%700)
				d := Route([]RoutingRule{routeRule("re", 1, "q-re", routeCond(FieldMessageBody, OpMatches, pattern))}, routeFacts, "q-default")
				if d.RuleID != "re" {
					t.Errorf("pattern %s: got %+v", pattern, d)
					return
				}
			}
		})
	}
	wg.Wait()
	routeRegexpCache.mu.Lock()
	n := len(routeRegexpCache.m)
	routeRegexpCache.mu.Unlock()
	if n > routeRegexpCacheMax {
		t.Fatalf("cache grew to %d", n)
	}
}

func TestRouteIsDeterministic(t *testing.T) {
	rules := []RoutingRule{
		routeRule("a", 3, "q-a", routeCond(FieldMessageBody, OpMatches, `\d{4}`)),
		routeRule("b", 3, "q-b"),
		routeRule("c", 1, "q-c", routeCond(FieldMessageBody, OpContains, "facture")),
	}
	first := Route(rules, routeFacts, "q-default")
	for range 50 {
		if d := Route(rules, routeFacts, "q-default"); fmt.Sprint(d) != fmt.Sprint(first) {
			t.Fatalf("decision changed: %+v vs %+v", d, first)
		}
	}
}

// FuzzRoute checks that any rule values and any message route without
// panicking, to one of the rules' queues or the default, with a reason.
func FuzzRoute(f *testing.F) {
	f.Add("commande", "Bonjour, ma commande", "+33612345678", "Marie", 0, 1, 2, 3)
	f.Add(`(?i)\bvip\b`, "I am VIP", "+14155550100", "", 4, 1, 4, 0)
	f.Add(`(unclosed`, "x", "", "", 4, 0, 0, 0)
	f.Add("+33", "", "+33612345678", "", 2, 0, 1, 5)
	f.Add("", "\xff\xfe", "whatsapp:+", "\x00", 9, -3, 7, 11)
	f.Add(`a{1000}{1000}`, "aaaa", "+1", "a", 4, 2, 3, 4)
	ops := append(slices.Clone(ConditionOps), "bogus")
	fields := append(slices.Clone(ConditionFields), "bogus")
	f.Fuzz(func(t *testing.T, value, body, e164, profile string, op, order1, order2, field int) {
		pick := func(list []string, i int) string {
			if i < 0 {
				i = -i
			}
			return list[i%len(list)]
		}
		rules := []RoutingRule{
			routeRule("r1", order1, "q1", routeCond(pick(fields, field), pick(ops, op), value)),
			routeRule("r2", order2, "q2", routeCond(pick(fields, field+1), pick(ops, op+1), value), routeCond(FieldMessageBody, OpContains, body)),
			routeRule("r3", order1, "q3", routeCond(pick(fields, field+2), pick(ops, op+2), body)),
		}
		facts := RoutingFacts{CustomerE164: e164, ProfileName: profile, MessageBody: body, ChannelE164: e164}
		d := Route(rules, facts, "q-default")
		if !slices.Contains([]string{"q1", "q2", "q3", "q-default"}, d.QueueID) {
			t.Fatalf("queue %q is neither a rule's nor the default", d.QueueID)
		}
		if d.Reason == "" {
			t.Fatal("no reason")
		}
		if d.QueueID == "q-default" && d.RuleID != "" || d.QueueID != "q-default" && d.RuleID == "" {
			t.Fatalf("inconsistent decision %+v", d)
		}
		if again := Route(rules, facts, "q-default"); fmt.Sprint(again) != fmt.Sprint(d) {
			t.Fatalf("not deterministic: %+v vs %+v", d, again)
		}
	})
}
