package twilio

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboard/switchboard/internal/domain"
)

// LookupRequest describes the message an ambiguous send may have created.
type LookupRequest struct {
	Credentials domain.Credentials
	From, To    string // E.164, as sent
	// Body is the text sent; with Template the content was a ContentSid,
	// whose body Twilio renders itself, so the body is not compared.
	Body     string
	Template bool
	NumMedia int
	// Since and Until bound the attempts that may have created it: from
	// the first ambiguous attempt's start to the last one's end.
	Since, Until time.Time
}

// FoundMessage is a message Twilio lists that matches a LookupRequest.
type FoundMessage struct {
	SID         string
	Status      domain.MessageStatus
	ErrorCode   int
	DateCreated time.Time
}

const (
	// lookupPageSize: one page holds every message a conversation sends in
	// a burst; paging on is for busy customers.
	lookupPageSize = 50
	// lookupMaxPages bounds a lookup (200 messages back from now): the
	// window is minutes old at most, and the list is newest first.
	lookupMaxPages = 4
	// DateSlack widens the window on both sides: date_created is truncated
	// to the second, and Twilio's clock is not ours (NTP keeps both within
	// milliseconds; a second or two covers the truncation and a request
	// that reached Twilio a moment after our client gave up on it).
	DateSlack = 2 * time.Second
)

// FindMessages lists Messages from From to To (never filtered on DateSent:
// it stays empty while a message is queued, exactly the ambiguous case) and
// returns those created within [Since-DateSlack, Until+DateSlack] whose
// body matches, oldest first.
//
// Why that is enough: a message we create goes from our number to one
// customer, and a conversation sends one message at a time, so in the
// seconds of one send's attempts the only messages with that sender,
// recipient and body are that send's own copies. Two identical bodies to
// the same customer in the same second are (a) our own retries of this
// message — either copy is "the message" — or (b) another message of ours
// whose SID is known: the caller skips SIDs it already has. A template
// (ContentSid) is matched on sender, recipient and time only, with the same
// reasoning.
func (c *Client) FindMessages(ctx context.Context, req LookupRequest) ([]FoundMessage, error) {
	to, err := address("To", req.To)
	if err != nil {
		return nil, err
	}
	from, err := address("From", req.From)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cl, err := c.newCall(ctx, req.Credentials)
	if err != nil {
		return nil, err
	}
	api := openapi.NewApiService(cl.handler)
	params := &openapi.ListMessageParams{}
	params.SetPathAccountSid(req.Credentials.AccountSID).SetTo(to).SetFrom(from).SetPageSize(lookupPageSize)
	since, until := req.Since.Add(-DateSlack), req.Until.Add(DateSlack)

	var found []FoundMessage
	token, page := "", ""
	for range lookupMaxPages {
		resp, err := api.PageMessage(params, token, page)
		if err != nil {
			return nil, cl.classify(err)
		}
		older := false
		for _, m := range resp.Messages {
			created, err := time.Parse(time.RFC1123Z, deref(m.DateCreated))
			if err != nil {
				continue
			}
			if created.Before(since) {
				older = true // newest first: the rest is older still
				break
			}
			if created.After(until) || !req.matches(m) {
				continue
			}
			f := FoundMessage{SID: deref(m.Sid), Status: listedStatus(deref(m.Status)), DateCreated: created}
			if m.ErrorCode != nil {
				f.ErrorCode = *m.ErrorCode
			}
			found = append(found, f)
		}
		if older || resp.NextPageUri == nil {
			break
		}
		if token, page = nextPage(*resp.NextPageUri); token == "" && page == "" {
			break
		}
	}
	// Oldest first: the first copy Twilio created is the message.
	for i, j := 0, len(found)-1; i < j; i, j = i+1, j-1 {
		found[i], found[j] = found[j], found[i]
	}
	c.log.Debug("twilio lookup", "to", domain.Mask(req.To), "found", len(found))
	return found, nil
}

// matches compares what Twilio lists with what was sent.
func (req LookupRequest) matches(m openapi.ApiV2010Message) bool {
	if !strings.HasPrefix(deref(m.Direction), "outbound") {
		return false
	}
	if req.Template {
		return true
	}
	if n, err := strconv.Atoi(deref(m.NumMedia)); err == nil && n != req.NumMedia {
		return false
	}
	return normalizeBody(deref(m.Body)) == normalizeBody(req.Body)
}

// normalizeBody ignores what a transport may change: line endings and
// surrounding white space.
func normalizeBody(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// listedStatus maps a listed message's status to ours; Twilio's others
// (accepted, scheduled, sending...) are still on their way: queued.
func listedStatus(s string) domain.MessageStatus {
	switch st := domain.MessageStatus(s); st {
	case domain.StatusQueued, domain.StatusSending, domain.StatusSent, domain.StatusDelivered,
		domain.StatusRead, domain.StatusUndelivered, domain.StatusFailed:
		return st
	}
	return domain.StatusQueued
}

// nextPage reads PageToken and Page from a next_page_uri.
func nextPage(uri string) (token, page string) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", ""
	}
	q := u.Query()
	return q.Get("PageToken"), q.Get("Page")
}
