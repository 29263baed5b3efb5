package domain

import (
	"strings"
	"testing"
)

func TestInboundDetailsBecomeTypedFields(t *testing.T) {
	d := InboundDetails{MessageType: "location", Extra: map[string]string{
		"Latitude": "48.8584", "Longitude": "2.2945", "Label": "Tour Eiffel", "Address": "Champ de Mars, Paris",
	}}
	var m Message
	d.Apply(&m, "")
	if m.Location == nil || m.Location.Latitude != 48.8584 || m.Location.Longitude != 2.2945 || m.Location.Name != "Tour Eiffel" ||
		m.Location.Address != "Champ de Mars, Paris" || !strings.Contains(m.Location.MapURL, "mlat=48.8584") || m.MessageType != "location" {
		t.Fatalf("location: %+v", m.Location)
	}
	if m.Button != nil || m.ReplyTo != nil || m.Referral != nil {
		t.Fatalf("fields from nothing: %+v", m)
	}

	// A button tap answering our message: the button, offered by it.
	m = Message{}
	InboundDetails{MessageType: "button", Extra: map[string]string{"ButtonText": "Oui", "ButtonPayload": "yes",
		"OriginalRepliedMessageSid": "SM1"}}.Apply(&m, "msg-1")
	if m.Button == nil || m.Button.Text != "Oui" || m.Button.Payload != "yes" || m.Button.OfferedBy == nil || *m.Button.OfferedBy != "msg-1" || m.ReplyTo != nil {
		t.Fatalf("button: %+v %+v", m.Button, m.ReplyTo)
	}
	// A list pick.
	m = Message{}
	ev := InboundMessage{Extra: map[string]string{"ListId": "size-m", "ListTitle": "Medium"}}
	ev.Details().Apply(&m, "")
	if m.Button == nil || m.Button.Text != "Medium" || m.Button.Payload != "size-m" || m.Button.OfferedBy != nil || ev.ButtonPayload() != "size-m" {
		t.Fatalf("list pick: %+v", m.Button)
	}
	// A quoted reply to a message we do not have.
	m = Message{}
	InboundDetails{Extra: map[string]string{"OriginalRepliedMessageSid": "SM2"}}.Apply(&m, "")
	if m.ReplyTo == nil || m.ReplyTo.TwilioSID != "SM2" || m.ReplyTo.MessageID != nil {
		t.Fatalf("reply_to: %+v", m.ReplyTo)
	}
	// A click-to-WhatsApp ad, and a voice note.
	m = Message{Media: []Media{{ContentType: "audio/ogg"}, {ContentType: "application/zip"}}}
	InboundDetails{Extra: map[string]string{"ReferralHeadline": "Soldes", "ReferralSourceUrl": "https://fb.me/ad", "ReferralSourceType": "ad"}}.Apply(&m, "")
	if m.Referral == nil || m.Referral.Headline != "Soldes" || m.Referral.SourceURL != "https://fb.me/ad" || m.Referral.SourceType != "ad" {
		t.Fatalf("referral: %+v", m.Referral)
	}
	if m.Media[0].Kind != "audio" || m.Media[1].Kind != "file" {
		t.Fatalf("media kinds: %+v", m.Media)
	}
	// Coordinates out of range are no location.
	m = Message{}
	InboundDetails{Extra: map[string]string{"Latitude": "91", "Longitude": "0"}}.Apply(&m, "")
	if m.Location != nil {
		t.Fatalf("bad coordinates: %+v", m.Location)
	}
}

// Twilio sends ReferralNumMedia=0 (and empty Referral* fields) with
// ordinary messages: that is no click-to-WhatsApp referral.
func TestReferralNumMediaZeroIsNoReferral(t *testing.T) {
	for _, extra := range []map[string]string{
		{"ReferralNumMedia": "0"},
		{"ReferralNumMedia": "0", "ReferralHeadline": "", "ReferralSourceUrl": ""},
		{"ReferralNumMedia": "x"},
	} {
		m := Message{}
		InboundDetails{MessageType: "text", Extra: extra}.Apply(&m, "")
		if m.Referral != nil {
			t.Fatalf("%v became a referral: %+v", extra, m.Referral)
		}
	}
	m := Message{}
	InboundDetails{Extra: map[string]string{"ReferralNumMedia": "1", "ReferralMediaUrl": "https://scontent/x.jpg"}}.Apply(&m, "")
	if m.Referral == nil || m.Referral.MediaURL != "https://scontent/x.jpg" {
		t.Fatalf("an ad with media only: %+v", m.Referral)
	}
	m = Message{}
	InboundDetails{Extra: map[string]string{"ReferralNumMedia": "0", "ReferralSourceId": "123"}}.Apply(&m, "")
	if m.Referral == nil || m.Referral.SourceID != "123" {
		t.Fatalf("an ad without media: %+v", m.Referral)
	}
}

func TestRoutingMatchesAButtonPayload(t *testing.T) {
	rules := []RoutingRule{
		{ID: "r1", Order: 1, QueueID: "sales", Conditions: []Condition{{Field: FieldMessageButtonPayload, Op: OpEq, Value: "buy"}}},
		{ID: "r2", Order: 2, QueueID: "support", Conditions: []Condition{{Field: FieldMessageButtonPayload, Op: OpPrefix, Value: "help-"}}},
	}
	for payload, want := range map[string]string{"buy": "sales", "BUY": "default", "help-42": "support", "": "default"} {
		if got := Route(rules, RoutingFacts{CustomerE164: "+33612345678", ButtonPayload: payload}, "default"); got.QueueID != want {
			t.Errorf("payload %q: %s, want %s", payload, got.QueueID, want)
		}
	}
	c := Condition{Field: FieldMessageButtonPayload, Op: OpEq, Value: "buy"}
	if err := normalizeCondition(&c); err != nil {
		t.Fatalf("a button payload condition is refused: %v", err)
	}
}
