package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var (
	templateNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)
	contentSIDRE   = regexp.MustCompile(`^HX[0-9a-f]{32}$`)
)

// MaxTemplateName is the longest template name WhatsApp accepts.
const MaxTemplateName = 512

// MaxTemplateVariants bounds the languages of one template.
const MaxTemplateVariants = 100

// approvalStatuses are the WhatsApp approval states Twilio reports.
var approvalStatuses = []string{"unsubmitted", "received", "pending", ApprovalApproved, "rejected", "paused", "disabled"}

// ValidTemplateName reports whether s is a valid template name.
func ValidTemplateName(s string) bool {
	return len(s) <= MaxTemplateName && templateNameRE.MatchString(s)
}

// ValidContentSID reports whether s looks like a Twilio Content SID.
func ValidContentSID(s string) bool { return contentSIDRE.MatchString(s) }

// ValidTemplateCategory reports whether s is one of the three categories.
func ValidTemplateCategory(s string) bool {
	return s == CategoryUtility || s == CategoryMarketing || s == CategoryAuthentication
}

// NormalizeTemplate checks every template rule and rewrites t in canonical
// form: category and approval status lower case, languages canonical BCP 47,
// variants sorted by language. Errors carry CodeInvalid and name the field.
func NormalizeTemplate(t *Template) error {
	if !ValidTemplateName(t.Name) {
		return Errorf(CodeInvalid, "name must match ^[a-z0-9_]+$ (lower-case letters, digits and _, at most %d characters), got %q", MaxTemplateName, t.Name)
	}
	t.Category = strings.ToLower(strings.TrimSpace(t.Category))
	if !ValidTemplateCategory(t.Category) {
		return Errorf(CodeInvalid, "category must be utility, marketing or authentication, got %q", t.Category)
	}
	lang, err := CanonicalLanguage(t.DefaultLanguage)
	if err != nil {
		return Errorf(CodeInvalid, "default_language: %s", err.(*Error).Message)
	}
	t.DefaultLanguage = lang
	if len(t.Variants) == 0 {
		return Errorf(CodeInvalid, "variants: at least one variant {language, body} is required")
	}
	if len(t.Variants) > MaxTemplateVariants {
		return Errorf(CodeInvalid, "variants: at most %d languages", MaxTemplateVariants)
	}
	var first []int
	seen := map[string]int{}
	for i := range t.Variants {
		nums, err := normalizeVariant(&t.Variants[i], i)
		if err != nil {
			return err
		}
		v := t.Variants[i]
		if j, dup := seen[v.Language]; dup {
			return Errorf(CodeInvalid, "variants[%d].language: %s is already variants[%d]: one variant per language", i, v.Language, j)
		}
		seen[v.Language] = i
		if i == 0 {
			first = nums
		} else if !slices.Equal(nums, first) {
			return Errorf(CodeInvalid, "variants[%d].body uses %s but variants[0] (%s) uses %s: every language must use the same placeholders",
				i, placeholderList(nums), t.Variants[0].Language, placeholderList(first))
		}
	}
	if _, ok := seen[t.DefaultLanguage]; !ok {
		return Errorf(CodeInvalid, "variants: there is no variant in default_language %s", t.DefaultLanguage)
	}
	slices.SortFunc(t.Variants, func(a, b TemplateVariant) int { return strings.Compare(a.Language, b.Language) })
	return nil
}

func normalizeVariant(v *TemplateVariant, i int) ([]int, error) {
	lang, err := CanonicalLanguage(v.Language)
	if err != nil {
		return nil, Errorf(CodeInvalid, "variants[%d].language: %s", i, err.(*Error).Message)
	}
	v.Language = lang
	switch {
	case strings.TrimSpace(v.Body) == "":
		return nil, Errorf(CodeInvalid, "variants[%d].body is required", i)
	case !utf8.ValidString(v.Body):
		return nil, Errorf(CodeInvalid, "variants[%d].body is not valid UTF-8", i)
	case utf8.RuneCountInString(v.Body) > MaxTemplateBody:
		return nil, Errorf(CodeInvalid, "variants[%d].body is longer than %d characters", i, MaxTemplateBody)
	}
	nums, err := ParsePlaceholders(v.Body)
	if err != nil {
		return nil, Errorf(CodeInvalid, "variants[%d].body: %s", i, err.(*Error).Message)
	}
	v.ContentSID = strings.TrimSpace(v.ContentSID)
	if v.ContentSID != "" && !ValidContentSID(v.ContentSID) {
		return nil, Errorf(CodeInvalid, "variants[%d].content_sid must be HX followed by 32 lowercase hex digits, got %q", i, v.ContentSID)
	}
	v.ApprovalStatus = strings.ToLower(strings.TrimSpace(v.ApprovalStatus))
	if v.ApprovalStatus != "" && !slices.Contains(approvalStatuses, v.ApprovalStatus) {
		return nil, Errorf(CodeInvalid, "variants[%d].approval_status must be one of %s, got %q", i, strings.Join(approvalStatuses, ", "), v.ApprovalStatus)
	}
	return nums, nil
}

func placeholderList(nums []int) string {
	if len(nums) == 0 {
		return "no placeholders"
	}
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = "{{" + strconv.Itoa(n) + "}}"
	}
	return strings.Join(parts, ", ")
}

// TemplateNameFrom turns a free-form name (a Twilio Content friendly_name)
// into a template name: lower case, accents dropped, every run of spaces and
// punctuation one "_". It returns "" when that cannot be done: letters
// outside a–z (Cyrillic, CJK, ß…), nothing left, or too long.
func TemplateNameFrom(s string) string {
	var b strings.Builder
	sep := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining accent: é → e
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
		case r == '_', unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r):
			sep = true
		default:
			return ""
		}
	}
	if name := b.String(); ValidTemplateName(name) {
		return name
	}
	return ""
}
