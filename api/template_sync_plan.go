package api

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

// syncSkip is a Content API item the sync did not import as usable, and why.
type syncSkip struct {
	FriendlyName string `json:"friendly_name"`
	ContentSID   string `json:"content_sid,omitempty"`
	Language     string `json:"language,omitempty"`
	Reason       string `json:"reason"`
}

// syncGroup is what the Content API says about one of our templates.
type syncGroup struct {
	name     string
	category string                   // from the first approved item
	approved []syncItem               // one per language, in listing order
	statuses []domain.TemplateVariant // non-approved items: their new approval status
}

type syncItem struct {
	src     twilio.ContentTemplate
	variant domain.TemplateVariant
}

// planSync groups Content API items by template name, keeping approved
// items as variants and non-approved ones as status updates, and reports
// every item that cannot become a variant.
func planSync(items []twilio.ContentTemplate) ([]*syncGroup, []syncSkip) {
	var groups []*syncGroup
	byName := map[string]*syncGroup{}
	var skipped []syncSkip
	for _, it := range items {
		v, reason := contentVariant(it)
		if reason != "" {
			skipped = append(skipped, skipOf(it, reason))
			continue
		}
		name := domain.TemplateNameFrom(it.FriendlyName)
		g := byName[name]
		if g == nil {
			g = &syncGroup{name: name}
			byName[name] = g
			groups = append(groups, g)
		}
		if v.ApprovalStatus != domain.ApprovalApproved {
			skipped = append(skipped, skipOf(it, notApproved(it)))
			g.statuses = append(g.statuses, v)
			continue
		}
		if i := slices.IndexFunc(g.approved, func(o syncItem) bool { return o.variant.Language == v.Language }); i >= 0 {
			skipped = append(skipped, skipOf(it, fmt.Sprintf("%s in %s already comes from %s", name, v.Language, g.approved[i].src.SID)))
			continue
		}
		if g.category == "" {
			g.category = contentCategory(it.Category)
		}
		g.approved = append(g.approved, syncItem{src: it, variant: v})
	}
	return groups, skipped
}

// contentVariant turns an item into a variant, or says why it cannot be one.
func contentVariant(it twilio.ContentTemplate) (domain.TemplateVariant, string) {
	v := domain.TemplateVariant{Body: it.Body, ContentSID: it.SID, ApprovalStatus: strings.ToLower(it.ApprovalStatus)}
	if v.ApprovalStatus == "" {
		v.ApprovalStatus = "unsubmitted"
	}
	if domain.TemplateNameFrom(it.FriendlyName) == "" {
		return v, "friendly_name cannot be turned into a template name (^[a-z0-9_]+$, at most 512 characters)"
	}
	if !domain.ValidContentSID(it.SID) {
		return v, fmt.Sprintf("content sid %q is not HX followed by 32 hex digits", it.SID)
	}
	lang, err := domain.CanonicalLanguage(it.Language)
	if err != nil {
		return v, "language: " + err.(*domain.Error).Message
	}
	v.Language = lang
	switch {
	case strings.TrimSpace(it.Body) == "":
		return v, "no text body (only content with a body can be a template)"
	case utf8.RuneCountInString(it.Body) > domain.MaxTemplateBody:
		return v, fmt.Sprintf("body is longer than %d characters", domain.MaxTemplateBody)
	}
	if _, err := domain.ParsePlaceholders(it.Body); err != nil {
		return v, "body: " + err.(*domain.Error).Message
	}
	return v, ""
}

func contentCategory(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	if domain.ValidTemplateCategory(c) {
		return c
	}
	return domain.CategoryUtility
}

func notApproved(it twilio.ContentTemplate) string {
	status := strings.ToLower(it.ApprovalStatus)
	if status == "" {
		status = "unsubmitted"
	}
	r := "not approved by WhatsApp (status " + status
	if it.RejectionReason != "" {
		r += ": " + it.RejectionReason
	}
	return r + "); not usable"
}

func skipOf(it twilio.ContentTemplate, reason string) syncSkip {
	return syncSkip{FriendlyName: it.FriendlyName, ContentSID: it.SID, Language: it.Language, Reason: reason}
}

// merge applies a group to the current template (exists false: a new one)
// and returns the template to store, normalized, with the items it had to
// leave out. ok is false when there is nothing to store.
func (g *syncGroup) merge(cur domain.Template, exists bool) (next domain.Template, skipped []syncSkip, ok bool) {
	next = cur
	next.Variants = slices.Clone(cur.Variants)
	if !exists {
		next = domain.Template{Name: g.name, Category: g.category}
	}
	if len(g.approved) > 0 {
		next.Category = g.category
	}
	for _, it := range g.approved {
		trial := next
		trial.Variants = slices.Clone(next.Variants)
		if i := slices.IndexFunc(trial.Variants, func(v domain.TemplateVariant) bool { return v.Language == it.variant.Language }); i >= 0 {
			trial.Variants[i] = it.variant
		} else {
			trial.Variants = append(trial.Variants, it.variant)
		}
		if trial.DefaultLanguage == "" {
			trial.DefaultLanguage = it.variant.Language
		}
		if err := domain.NormalizeTemplate(&trial); err != nil {
			skipped = append(skipped, skipOf(it.src, "does not fit template "+g.name+": "+err.(*domain.Error).Message))
			continue
		}
		next = trial
	}
	// An item that is no longer approved marks the variant it had given.
	for _, st := range g.statuses {
		for i, v := range next.Variants {
			if v.ContentSID == st.ContentSID && v.Language == st.Language {
				next.Variants[i].ApprovalStatus = st.ApprovalStatus
			}
		}
	}
	if len(next.Variants) == 0 {
		return next, skipped, false
	}
	if err := domain.NormalizeTemplate(&next); err != nil {
		return next, append(skipped, syncSkip{FriendlyName: g.name, Reason: err.(*domain.Error).Message}), false
	}
	return next, skipped, true
}
