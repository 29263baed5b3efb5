package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Template limits (WhatsApp's).
const (
	MaxTemplateBody     = 1024 // characters of a variant's body
	MaxTemplateVariable = 1024 // characters of one variable
	MaxPlaceholders     = 100  // highest {{n}}
)

// ApprovalApproved is the only approval status a template may be sent with;
// an empty status means the template was entered by hand (not synced).
const ApprovalApproved = "approved"

// placeholderRE finds {{…}} groups; ParsePlaceholders says which are valid.
var placeholderRE = regexp.MustCompile(`\{\{([^{}]*)\}\}`)

// ParsePlaceholders returns the distinct placeholder numbers of a template
// body, sorted: {{1}}…{{n}}, contiguous from 1, each possibly repeated.
// Anything else between double braces is an error.
func ParsePlaceholders(body string) ([]int, error) {
	seen := map[int]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
		n, ok := placeholderNumber(m[1])
		if !ok {
			return nil, Errorf(CodeInvalid, "invalid placeholder %q: placeholders are written {{1}}, {{2}}, … (at most {{%d}})", m[0], MaxPlaceholders)
		}
		seen[n] = true
	}
	nums := make([]int, 0, len(seen))
	for n := range seen {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for i, n := range nums {
		if n != i+1 {
			return nil, Errorf(CodeInvalid, "placeholders must be numbered from {{1}} without gaps: {{%d}} is used but {{%d}} is missing", n, i+1)
		}
	}
	return nums, nil
}

func placeholderNumber(s string) (int, bool) {
	if s == "" || s[0] == '0' || len(s) > 3 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= MaxPlaceholders
}

// RenderTemplate replaces {{1}}…{{n}} in body with vars[0]…vars[n-1], in one
// pass (a variable that contains "{{2}}" is not expanded again). There must be
// exactly as many variables as the highest placeholder; each must have
// visible text and at most MaxTemplateVariable characters. Errors carry
// CodeTemplateInvalid.
func RenderTemplate(body string, vars []string) (string, error) {
	nums, err := ParsePlaceholders(body)
	if err != nil {
		return "", Errorf(CodeTemplateInvalid, "%s", err.(*Error).Message)
	}
	if len(vars) != len(nums) {
		return "", Errorf(CodeTemplateInvalid, "the template takes %d variable(s), got %d", len(nums), len(vars))
	}
	for i, v := range vars {
		switch {
		case !utf8.ValidString(v):
			return "", Errorf(CodeTemplateInvalid, "variables[%d] is not valid UTF-8", i)
		case strings.TrimSpace(v) == "":
			return "", Errorf(CodeTemplateInvalid, "variables[%d] is empty: WhatsApp refuses blank template variables", i)
		case utf8.RuneCountInString(v) > MaxTemplateVariable:
			return "", Errorf(CodeTemplateInvalid, "variables[%d] is longer than %d characters", i, MaxTemplateVariable)
		}
	}
	if len(nums) == 0 {
		return body, nil
	}
	return placeholderRE.ReplaceAllStringFunc(body, func(m string) string {
		n, _ := placeholderNumber(m[2 : len(m)-2])
		return vars[n-1]
	}), nil
}

// Usable reports whether a variant may be sent: hand-entered (no approval
// status) or approved by WhatsApp.
func (v TemplateVariant) Usable() bool {
	return v.ApprovalStatus == "" || v.ApprovalStatus == ApprovalApproved
}

// Variant picks the variant for lang: the exact language, else its base
// language (fr-CA → fr), else the template's default language. An empty
// lang is the default language.
func (t Template) Variant(lang string) (TemplateVariant, bool) {
	if lang = strings.TrimSpace(lang); lang != "" {
		if c, err := CanonicalLanguage(lang); err == nil {
			lang = c
		}
		if v, ok := t.variantExact(lang); ok {
			return v, true
		}
		if base := baseLanguage(lang); base != "" && !strings.EqualFold(base, lang) {
			if v, ok := t.variantExact(base); ok {
				return v, true
			}
		}
	}
	return t.variantExact(t.DefaultLanguage)
}

func (t Template) variantExact(lang string) (TemplateVariant, bool) {
	for _, v := range t.Variants {
		if strings.EqualFold(v.Language, lang) {
			return v, true
		}
	}
	return TemplateVariant{}, false
}

// Languages lists the languages of the variants, in order.
func (t Template) Languages() []string {
	out := make([]string, 0, len(t.Variants))
	for _, v := range t.Variants {
		out = append(out, v.Language)
	}
	return out
}

func baseLanguage(lang string) string {
	if tag, err := language.Parse(lang); err == nil {
		if b, conf := tag.Base(); conf == language.Exact {
			return b.String()
		}
	}
	base, _, _ := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-")
	return strings.ToLower(base)
}

// CanonicalLanguage validates a BCP 47 language tag and returns its canonical
// form (en-us → en-US, pt_BR → pt-BR, iw → he).
func CanonicalLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(CodeInvalid, "a BCP 47 language tag such as en, fr-FR or pt-BR is required")
	}
	tag, err := language.Parse(s)
	if err != nil || len(s) > 35 {
		return "", Errorf(CodeInvalid, "%q is not a known BCP 47 language tag (such as en, fr-FR or pt-BR)", s)
	}
	if _, conf := tag.Base(); conf != language.Exact || tag == language.Und {
		return "", Errorf(CodeInvalid, "%q does not name a language (use a tag such as en, fr-FR or pt-BR)", s)
	}
	return tag.String(), nil
}
