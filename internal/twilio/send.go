package twilio

import (
	"context"
	"encoding/json"
	"strings"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard/switchboard/internal/domain"
)

// SendRequest is one outbound WhatsApp message.
type SendRequest struct {
	Credentials domain.Credentials
	From, To    string // E.164; "whatsapp:" is added (an existing prefix is accepted)
	Body        string // ignored when ContentSID is set: the approved template is the content
	MediaURLs   []string
	// ContentSID sends an approved template (ContentSid + ContentVariables);
	// it cannot be combined with MediaURLs.
	ContentSID       string
	ContentVariables map[string]string // {"1": "..."}
	StatusCallback   string
	// SlotTaken: the caller took this send's slot of the sender's shared
	// pace itself (a campaign, which takes only slots free now, so that
	// conversations' sends, which queue for theirs, go first).
	SlotTaken bool
}

// SendResult is what Twilio answered about the created Message.
type SendResult struct {
	SID          string
	Status       domain.MessageStatus
	ErrorCode    int
	ErrorMessage string
}

// Send creates a Message (POST /2010-04-01/Accounts/{sid}/Messages.json).
// Errors are *Error. When Twilio creates the message but reports it failed
// straight away, Send returns the result (with its SID) and an *Error too.
func (c *Client) Send(ctx context.Context, req SendRequest) (SendResult, error) {
	params, err := req.params()
	if err != nil {
		return SendResult{}, err
	}
	if !req.SlotTaken {
		if err := c.limiter.wait(ctx, req.Credentials.AccountSID, req.From); err != nil {
			return SendResult{}, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cl, err := c.newCall(ctx, req.Credentials)
	if err != nil {
		return SendResult{}, err
	}
	log := c.log.With("account_sid", req.Credentials.AccountSID, "to", domain.Mask(req.To), "template", req.ContentSID != "")

	msg, err := openapi.NewApiService(cl.handler).CreateMessage(params)
	if err != nil {
		e := cl.classify(err)
		log.Warn("twilio send failed", "kind", e.Kind.String(), "http_status", e.HTTPStatus, "code", e.Code, "message", e.Message)
		return SendResult{}, e
	}
	res := SendResult{SID: deref(msg.Sid), Status: domain.MessageStatus(deref(msg.Status)), ErrorMessage: deref(msg.ErrorMessage)}
	if msg.ErrorCode != nil {
		res.ErrorCode = *msg.ErrorCode
	}
	log.Debug("twilio message created", "sid", res.SID, "status", string(res.Status))
	if res.Status.IsFailure() {
		e := fromHTTP(201, res.ErrorCode, res.ErrorMessage, "", nil)
		if e.Kind == Retryable { // a created message is never re-sent blindly
			e.Kind = Final
		}
		if e.Message == "" {
			e.Message = "message " + string(res.Status)
		}
		log.Warn("twilio message failed at creation", "sid", res.SID, "code", res.ErrorCode)
		return res, e
	}
	return res, nil
}

// params validates the request and builds twilio-go's parameters.
func (r SendRequest) params() (*openapi.CreateMessageParams, error) {
	to, err := address("To", r.To)
	if err != nil {
		return nil, err
	}
	from, err := address("From", r.From)
	if err != nil {
		return nil, err
	}
	if r.ContentSID == "" && r.Body == "" && len(r.MediaURLs) == 0 {
		return nil, invalid("a message needs a Body, MediaURLs or a ContentSID")
	}
	if r.ContentSID != "" && len(r.MediaURLs) > 0 {
		return nil, invalid("MediaURLs cannot be combined with a ContentSID (the template defines its media)")
	}
	p := &openapi.CreateMessageParams{}
	p.SetPathAccountSid(r.Credentials.AccountSID).SetTo(to).SetFrom(from)
	if r.ContentSID != "" {
		p.SetContentSid(r.ContentSID)
		if len(r.ContentVariables) > 0 {
			vars, err := json.Marshal(r.ContentVariables)
			if err != nil {
				return nil, invalid("content variables: " + err.Error())
			}
			p.SetContentVariables(string(vars))
		}
	} else {
		if r.Body != "" {
			p.SetBody(r.Body)
		}
		if len(r.MediaURLs) > 0 {
			p.SetMediaUrl(r.MediaURLs)
		}
	}
	if r.StatusCallback != "" {
		p.SetStatusCallback(r.StatusCallback)
	}
	return p, nil
}

func address(field, e164 string) (string, error) {
	n := strings.TrimPrefix(strings.TrimSpace(e164), "whatsapp:")
	if !domain.ValidE164(n) {
		return "", invalid(field + " " + domain.Mask(e164) + " is not an E.164 number")
	}
	return domain.WhatsAppAddress(n), nil
}

func invalid(msg string) *Error { return &Error{Kind: Final, Message: msg} }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
