package api

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/metrics"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/twilio"
	"github.com/switchboard/switchboard/workflows"
)

// WebhookStore is what Twilio's webhooks need of the store.
type WebhookStore interface {
	WebhookTarget(ctx context.Context, accountID, toE164 string) (store.WebhookTarget, error)
	InsertInbound(ctx context.Context, workflowID string, m domain.InboundMessage) (store.InboxInsert, error)
	ApplyStatus(ctx context.Context, accountID, sid string, status domain.MessageStatus, code int, message string) (store.StatusUpdate, error)
	LinkSID(ctx context.Context, accountID, messageID, sid string) (bool, error)
}

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// inboundFields are copied to InboundMessage.Extra when present.
var inboundExtraFields = []string{
	"WaId", "ButtonText", "ButtonPayload", "Latitude", "Longitude", "Address", "Label",
	"OriginalRepliedMessageSid", "MessagingServiceSid", "NumSegments",
	"ListId", "ListTitle", "ListDescription", // a list-picker answer
}

// twilioForm parses and authenticates a Twilio webhook: the form, and the
// X-Twilio-Signature over PUBLIC_BASE_URL + path with the account's token.
// It never trusts the Host header.
func (s *Server) twilioForm(c *fiber.Ctx, toE164 func(url.Values) string) (url.Values, store.WebhookTarget, error) {
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return nil, store.WebhookTarget{}, invalid("Twilio webhooks are application/x-www-form-urlencoded")
	}
	form := url.Values{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { form.Add(string(k), string(v)) })
	accountID := c.Params("account_id")
	target, err := s.webhooks.WebhookTarget(c.UserContext(), accountID, toE164(form))
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) { // the database, not the request: Twilio retries a 503
			s.logger.Error("looking up a webhook's account failed; Twilio will retry", "err", err)
			return nil, target, domain.Errorf(domain.CodeUnavailable, "account lookup failed; retry")
		}
		if de.Code == domain.CodeNotFound { // probing for accounts
			return nil, target, s.refuseCredentials(c, err)
		}
		return nil, target, err
	}
	token, err := s.tokens.Decrypt(accountID, target.AuthTokenEnc)
	if err != nil {
		return nil, target, err
	}
	sig := c.Get("X-Twilio-Signature")
	if sig == "" || !twilio.ValidateSignature(token, s.cfg.PublicURL(c.OriginalURL()), form, sig) {
		s.logger.Warn("twilio webhook with a bad signature refused", "account_id", accountID, "path", c.Path(), "has_signature", sig != "")
		// Counted against the source address: only unsigned or forged
		// requests ever meet a rate limit here, never Twilio's own (a 429
		// to a signed webhook loses the message: Twilio does not retry 4xx).
		return nil, target, s.refuseCredentials(c, domain.Errorf(domain.CodeForbidden, "invalid X-Twilio-Signature"))
	}
	if got := form.Get("AccountSid"); got != "" && got != target.AccountSID {
		return nil, target, domain.Errorf(domain.CodeForbidden, "AccountSid does not belong to this account")
	}
	return form, target, nil
}

func normalizedTo(form url.Values) string {
	to, err := domain.NormalizeE164(form.Get("To"))
	if err != nil {
		return ""
	}
	return to
}

// inboundWebhook stores a customer's message and answers Twilio as soon as
// it is in PostgreSQL (never before: Twilio keeps retrying a 5xx); the
// relay hands it to its conversation workflow behind the answer, and
// later, in order, whatever Temporal did not take.
func (s *Server) inboundWebhook(c *fiber.Ctx) error {
	form, target, err := s.twilioForm(c, normalizedTo)
	if err != nil {
		return err
	}
	msg, err := parseInbound(form)
	if err != nil {
		return err
	}
	if target.NumberID == nil {
		webhookReason(c, metrics.ReasonUnknownNumber)
		return domain.Errorf(domain.CodeNotFound, "%s is not a number of this account", domain.Mask(msg.To))
	}
	// A copy: Fiber's params point into the request's buffer, reused
	// once the handler returns, and the relay delivers after that.
	msg.AccountID = strings.Clone(c.Params("account_id"))
	msg.NumberID = *target.NumberID
	msg.ReceivedAt = time.Now().UTC()
	wfID := workflows.ConversationID(msg.NumberID, msg.From)
	s.linkCampaign(c.UserContext(), &msg)

	ins, err := s.webhooks.InsertInbound(c.UserContext(), wfID, msg)
	if err != nil {
		s.logger.Error("storing an inbound message failed; Twilio will retry", "err", err)
		return domain.Errorf(domain.CodeUnavailable, "message not stored; retry")
	}
	if !ins.Inserted {
		webhookReason(c, metrics.ReasonDuplicate)
	}
	if ins.Inserted {
		msg.InboxID = ins.ID
		s.relay.Handoff(wfID, msg, ins.OlderPending)
		s.campaignInbound(c.Params("account_id"), msg)
	}
	c.Set(fiber.HeaderContentType, "text/xml")
	return c.SendString(emptyTwiML)
}

func parseInbound(form url.Values) (domain.InboundMessage, error) {
	var m domain.InboundMessage
	m.MessageSID = form.Get("MessageSid")
	if m.MessageSID == "" {
		m.MessageSID = form.Get("SmsMessageSid")
	}
	if m.MessageSID == "" {
		return m, invalid("MessageSid is required")
	}
	if !domain.ValidMessageSID(m.MessageSID) {
		return m, invalid("MessageSid must be SM or MM and 32 hex digits")
	}
	from, err := domain.NormalizeE164(form.Get("From"))
	if err != nil {
		return m, invalid("From: %s", err.(*domain.Error).Message)
	}
	to, err := domain.NormalizeE164(form.Get("To"))
	if err != nil {
		return m, invalid("To: %s", err.(*domain.Error).Message)
	}
	m.From, m.To = from, to
	m.Body = form.Get("Body")
	m.ProfileName = form.Get("ProfileName")
	m.MessageType = form.Get("MessageType")
	n := 0
	if v := form.Get("NumMedia"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 0 || n > 10 {
			return m, invalid("NumMedia=%q is not a number from 0 to 10", v)
		}
	}
	for i := range n {
		u := form.Get("MediaUrl" + strconv.Itoa(i))
		if u == "" {
			return m, invalid("MediaUrl%d is missing (NumMedia=%d)", i, n)
		}
		m.Media = append(m.Media, domain.Media{URL: u, ContentType: form.Get("MediaContentType" + strconv.Itoa(i))})
	}
	for _, k := range inboundExtraFields {
		if v := form.Get(k); v != "" {
			setExtra(&m, k, v)
		}
	}
	for k := range form {
		if strings.HasPrefix(k, "Referral") {
			setExtra(&m, k, form.Get(k))
		}
	}
	return m, nil
}

func setExtra(m *domain.InboundMessage, k, v string) {
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	m.Extra[k] = v
}

// statusWebhook records a delivery status; a message only moves forward,
// whatever order callbacks arrive in. Failures reach the workflow.
func (s *Server) statusWebhook(c *fiber.Ctx) error {
	form, _, err := s.twilioForm(c, func(url.Values) string { return "" })
	if err != nil {
		return err
	}
	sid := form.Get("MessageSid")
	if sid == "" {
		sid = form.Get("SmsSid")
	}
	status := domain.MessageStatus(form.Get("MessageStatus"))
	if status == "" {
		status = domain.MessageStatus(form.Get("SmsStatus"))
	}
	if sid == "" || status == "" {
		return invalid("MessageSid and MessageStatus are required")
	}
	if !domain.ValidMessageSID(sid) {
		return invalid("MessageSid must be SM or MM and 32 hex digits")
	}
	// The account whose URL Twilio called, and whose token signed this:
	// the callback may only touch that account's messages.
	accountID := c.Params("account_id")
	if _, ok := domain.StatusRank(status); !ok {
		s.logger.Info("status callback with an unknown status ignored", "status", string(status))
		return c.SendStatus(fiber.StatusNoContent)
	}
	code := 0
	if v := form.Get("ErrorCode"); v != "" {
		if code, err = strconv.Atoi(v); err != nil {
			return invalid("ErrorCode=%q is not a number", v)
		}
	}
	// Our status callback URLs name the message (?message_id=, signed with
	// the rest of the URL): a SID the sender never recorded, because it
	// crashed after Twilio accepted the message, is recorded here, so that
	// the retried send finds it instead of sending the message twice.
	if mid := c.Query("message_id"); mid != "" {
		linked, err := s.webhooks.LinkSID(c.UserContext(), accountID, mid, sid)
		if err != nil {
			return domain.Errorf(domain.CodeUnavailable, "status not stored; retry")
		}
		if linked {
			s.logger.Info("Twilio SID recorded from a status callback", "message_id", mid, "sid", sid)
		}
	}
	if ref := c.Query("campaign_recipient"); ref != "" {
		return s.campaignStatus(c, accountID, ref, sid, status, code)
	}
	up, err := s.webhooks.ApplyStatus(c.UserContext(), accountID, sid, status, code, form.Get("ErrorMessage"))
	if err != nil {
		return domain.Errorf(domain.CodeUnavailable, "status not stored; retry")
	}
	if up.Known && up.Applied && status.IsFailure() {
		d := workflows.DeliveryUpdate{MessageID: up.MessageID, Status: status, ErrorCode: code}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
		defer cancel()
		if err := s.temporal.SignalWorkflow(ctx, up.WorkflowID, "", workflows.SignalDelivery, d); err != nil {
			s.logger.Warn("telling the conversation about a failed delivery failed", "message_id", up.MessageID, "err", err)
		}
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// campaignStatus applies the status callback of a campaign message, whose
// URL names the recipient (activities/campaign.go): the SID is recorded if
// its sender died before recording it, and the delivery updates the
// campaign's counts.
func (s *Server) campaignStatus(c *fiber.Ctx, accountID, ref, sid string, status domain.MessageStatus, code int) error {
	if campaignID, seq, ok := domain.ParseRecipientRef(ref); ok {
		linked, err := s.campaigns.LinkCampaignSID(c.UserContext(), accountID, campaignID, seq, sid)
		if err != nil {
			return domain.Errorf(domain.CodeUnavailable, "status not stored; retry")
		}
		if linked {
			s.logger.Info("campaign message SID recorded from a status callback", "campaign_id", campaignID, "sid", sid)
		}
	}
	if _, err := s.campaigns.ApplyCampaignStatus(c.UserContext(), accountID, sid, status, code); err != nil {
		return domain.Errorf(domain.CodeUnavailable, "status not stored; retry")
	}
	return c.SendStatus(fiber.StatusNoContent)
}
