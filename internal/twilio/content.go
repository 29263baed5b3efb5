package twilio

import (
	"context"
	"fmt"
	"sort"
	"strings"

	content "github.com/twilio/twilio-go/rest/content/v1"

	"github.com/switchboard/switchboard/internal/domain"
)

// ContentTemplate is one Content API item with its WhatsApp approval.
// Category and ApprovalStatus are lower case ("utility", "approved").
type ContentTemplate struct {
	SID, FriendlyName, Language, Body, Category, ApprovalStatus, RejectionReason string
	Variables                                                                    map[string]string
}

// contentPageSize is how many items each Content API page asks for.
const contentPageSize = 100

// ListContent returns every Content item of the account with its approval
// state (GET content.twilio.com/v1/ContentAndApprovals, all pages).
func (c *Client) ListContent(ctx context.Context, creds domain.Credentials) ([]ContentTemplate, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cl, err := c.newCall(ctx, creds)
	if err != nil {
		return nil, err
	}
	params := (&content.ListContentAndApprovalsParams{}).SetPageSize(contentPageSize)
	items, err := content.NewApiService(cl.handler).ListContentAndApprovals(params)
	if err != nil {
		e := cl.classify(err)
		c.log.Warn("twilio content listing failed", "account_sid", creds.AccountSID, "kind", e.Kind.String(), "http_status", e.HTTPStatus, "code", e.Code, "message", e.Message)
		return nil, e
	}
	out := make([]ContentTemplate, 0, len(items))
	for _, it := range items {
		out = append(out, toTemplate(it))
	}
	c.log.Debug("twilio content listed", "account_sid", creds.AccountSID, "count", len(out))
	return out, nil
}

// ListApprovedContent is ListContent restricted to items WhatsApp approved.
func (c *Client) ListApprovedContent(ctx context.Context, creds domain.Credentials) ([]ContentTemplate, error) {
	all, err := c.ListContent(ctx, creds)
	if err != nil {
		return nil, err
	}
	approved := all[:0]
	for _, t := range all {
		if t.ApprovalStatus == "approved" {
			approved = append(approved, t)
		}
	}
	return approved, nil
}

func toTemplate(it content.ContentV1ContentAndApprovals) ContentTemplate {
	t := ContentTemplate{SID: deref(it.Sid), FriendlyName: deref(it.FriendlyName), Language: deref(it.Language), Variables: map[string]string{}}
	if it.Variables != nil {
		for k, v := range *it.Variables {
			t.Variables[k] = fmt.Sprint(v)
		}
	}
	if it.Types != nil {
		t.Body = bodyOf(*it.Types)
	}
	if it.ApprovalRequests != nil {
		ar := *it.ApprovalRequests
		// Twilio documents both a flat object and one nested under "whatsapp".
		if wa, ok := ar["whatsapp"].(map[string]any); ok {
			ar = wa
		}
		t.Category = strings.ToLower(str(ar["category"]))
		t.ApprovalStatus = strings.ToLower(str(ar["status"]))
		t.RejectionReason = str(ar["rejection_reason"])
	}
	return t
}

// bodyOf picks the text of a content item: twilio/text first, else the first
// type (by name) that has a body.
func bodyOf(types map[string]any) string {
	if b := str(field(types["twilio/text"], "body")); b != "" {
		return b
	}
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if b := str(field(types[n], "body")); b != "" {
			return b
		}
	}
	return ""
}

func field(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// CreateInteractiveContent creates the Content API item that carries in
// (POST content.twilio.com/v1/Content: twilio/quick-reply or
// twilio/list-picker, which WhatsApp shows inside a session without
// approval) and returns its HX… SID.
func (c *Client) CreateInteractiveContent(ctx context.Context, creds domain.Credentials, in domain.Interactive) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cl, err := c.newCall(ctx, creds)
	if err != nil {
		return "", err
	}
	req := content.ContentCreateRequest{
		// Named by its hash: the same content is recognisable in Twilio's console.
		FriendlyName: "switchboard_" + in.Type + "_" + in.Hash()[:16],
		Language:     "en",
	}
	switch in.Type {
	case domain.InteractiveList:
		lp := &content.TwilioListPicker{Body: in.Body, Button: in.Button}
		for _, o := range in.Options {
			lp.Items = append(lp.Items, content.ListItem{Id: o.ID, Item: o.Title, Description: o.Description})
		}
		req.Types.TwilioListPicker = lp
	default:
		qr := &content.TwilioQuickReply{Body: in.Body}
		for _, o := range in.Options {
			qr.Actions = append(qr.Actions, content.QuickReplyAction{Title: o.Title, Id: o.ID})
		}
		req.Types.TwilioQuickReply = qr
	}
	res, err := content.NewApiService(cl.handler).CreateContent((&content.CreateContentParams{}).SetContentCreateRequest(req))
	if err != nil {
		e := cl.classify(err)
		c.log.Warn("twilio content creation failed", "account_sid", creds.AccountSID, "kind", e.Kind.String(), "http_status", e.HTTPStatus, "code", e.Code, "message", e.Message)
		return "", e
	}
	sid := deref(res.Sid)
	if sid == "" {
		return "", &Error{Kind: Final, HTTPStatus: cl.rt.lastStatus(), Message: "Twilio created content but its answer has no sid"}
	}
	c.log.Debug("twilio content created", "account_sid", creds.AccountSID, "content_sid", sid, "type", in.ContentType())
	return sid, nil
}
