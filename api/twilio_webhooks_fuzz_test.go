package api

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
)

// FuzzParseInbound feeds the inbound webhook's form parser arbitrary
// bodies (after the signature check, the form is whatever Twilio, or a
// holder of the token, sent): it never panics, and what it accepts is
// sound: a MessageSid, E.164 numbers, and exactly NumMedia media with URLs.
func FuzzParseInbound(f *testing.F) {
	for _, seed := range []string{
		"MessageSid=SM00000000000000000000000000000001&From=whatsapp%3A%2B33612345678&To=whatsapp%3A%2B14155550100&Body=Bonjour&NumMedia=0",
		"SmsMessageSid=SM00000000000000000000000000000002&From=whatsapp%3A%2B33612345678&To=whatsapp%3A%2B14155550100&NumMedia=2&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm0&MediaContentType0=image%2Fjpeg&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2Fm1",
		"MessageSid=SM00000000000000000000000000000003&From=%2B33+6+12+34+56+78&To=0033612345678&ButtonText=Yes&ButtonPayload=y&Latitude=48.85&Longitude=2.35&ReferralSourceUrl=https%3A%2F%2Fx",
		"MessageSid=SM00000000000000000000000000000004&From=whatsapp%3A%2B1&To=whatsapp%3A%2B14155550100&NumMedia=11",
		"MessageSid=SM00000000000000000000000000000005&From=whatsapp%3A%2B33612345678&To=whatsapp%3A%2B14155550100&NumMedia=-1",
		"MessageSid=SM00000000000000000000000000000006&From=whatsapp%3A%2B33612345678&To=whatsapp%3A%2B14155550100&NumMedia=1",
		"From=whatsapp%3A%2B33612345678&To=whatsapp%3A%2B14155550100",
		"MessageSid=SM00000000000000000000000000000007&From=&To=",
		"MessageSid=%ff%fe&From=whatsapp%3A%2B33612345678&To=whatsapp%3A%2B14155550100&Body=%00%ff",
		"%zz=1&MessageSid=SM8",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // fasthttp would not give us such a form either
		}
		m, err := parseInbound(form)
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Fatalf("refused with %v, want an INVALID_ARGUMENT error", err)
			}
			return
		}
		if !domain.ValidMessageSID(m.MessageSID) || !domain.ValidE164(m.From) || !domain.ValidE164(m.To) {
			t.Fatalf("accepted %+v from %q", m, body)
		}
		n, _ := strconv.Atoi(form.Get("NumMedia"))
		if len(m.Media) != n || n > 10 {
			t.Fatalf("%d media for NumMedia=%q", len(m.Media), form.Get("NumMedia"))
		}
		for _, md := range m.Media {
			if md.URL == "" {
				t.Fatalf("a media without URL: %+v", m.Media)
			}
		}
		for k := range m.Extra {
			if !strings.HasPrefix(k, "Referral") && !containsString(inboundExtraFields, k) {
				t.Fatalf("unexpected extra field %q", k)
			}
		}
	})
}

func containsString(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
