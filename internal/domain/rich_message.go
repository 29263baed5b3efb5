package domain

import (
	"net/url"
	"strconv"
	"strings"
)

// What WhatsApp carries beyond text and media, as the inbound webhook
// delivered it (Twilio's form fields, kept in InboundDetails) and as the
// APIs show it: typed fields on Message.

// InboundDetails are the Twilio fields of an inbound message that are not
// its body or media, stored with the message (messages.details) so that
// nothing the webhook received is lost and new typed fields can be read
// from old rows.
// The same column keeps what an outbound interactive message offered.
type InboundDetails struct {
	MessageType string            `json:"message_type,omitempty"`
	Extra       map[string]string `json:"extra,omitempty"`
	Interactive *Interactive      `json:"interactive,omitempty"` // outbound only
}

// Location is a shared location (Twilio's Latitude, Longitude, Label, Address).
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	MapURL    string  `json:"map_url"` // OpenStreetMap, for the console's link
}

// ButtonReply is a quick-reply tap or a list pick: the text the customer
// saw, its payload, and the message that offered it (its id, when it is in
// our transcript).
type ButtonReply struct {
	Text      string  `json:"text"`
	Payload   string  `json:"payload,omitempty"`
	OfferedBy *string `json:"offered_by"`
}

// ReplyTo is the message a customer quoted (Twilio's
// OriginalRepliedMessageSid); MessageID is null when it is not in our
// transcript.
type ReplyTo struct {
	MessageID *string `json:"message_id"`
	TwilioSID string  `json:"twilio_sid"`
}

// Referral is the click-to-WhatsApp ad the customer came from (Twilio's
// Referral* fields).
type Referral struct {
	Headline         string `json:"headline,omitempty"`
	Body             string `json:"body,omitempty"`
	SourceURL        string `json:"source_url,omitempty"`
	SourceID         string `json:"source_id,omitempty"`
	SourceType       string `json:"source_type,omitempty"`
	MediaURL         string `json:"media_url,omitempty"`
	MediaContentType string `json:"media_content_type,omitempty"`
	CtwaClid         string `json:"ctwa_clid,omitempty"`
}

// Details returns the fields of m kept with its transcript row.
func (m InboundMessage) Details() InboundDetails {
	return InboundDetails{MessageType: m.MessageType, Extra: m.Extra}
}

// ButtonPayload is the payload of the button or list item tapped, "" for
// anything else.
func (m InboundMessage) ButtonPayload() string {
	return buttonOf(m.Extra).Payload
}

// RepliedSID is the SID of the message the customer quoted or tapped a
// button of, "" when none.
func (d InboundDetails) RepliedSID() string { return d.Extra["OriginalRepliedMessageSid"] }

// Apply sets msg's typed fields from d. offeredBy is the transcript id of
// the message with RepliedSID ("" when unknown).
func (d InboundDetails) Apply(msg *Message, repliedID string) {
	var replied *string
	if repliedID != "" {
		replied = &repliedID
	}
	msg.MessageType = d.MessageType
	msg.Interactive = d.Interactive
	if loc, ok := locationOf(d.Extra); ok {
		msg.Location = &loc
	}
	if b := buttonOf(d.Extra); b.Text != "" || b.Payload != "" {
		b.OfferedBy = replied
		msg.Button = &b
	} else if sid := d.RepliedSID(); sid != "" {
		msg.ReplyTo = &ReplyTo{MessageID: replied, TwilioSID: sid}
	}
	if r, ok := referralOf(d.Extra); ok {
		msg.Referral = &r
	}
	for i := range msg.Media {
		if k, ok := MediaKind(msg.Media[i].ContentType); ok {
			msg.Media[i].Kind = k
		} else {
			msg.Media[i].Kind = "file"
		}
	}
}

func buttonOf(x map[string]string) ButtonReply {
	b := ButtonReply{Text: x["ButtonText"], Payload: x["ButtonPayload"]}
	if b.Text == "" && b.Payload == "" { // a list pick
		b = ButtonReply{Text: x["ListTitle"], Payload: x["ListId"]}
	}
	return b
}

func locationOf(x map[string]string) (Location, bool) {
	lat, err1 := strconv.ParseFloat(x["Latitude"], 64)
	lon, err2 := strconv.ParseFloat(x["Longitude"], 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return Location{}, false
	}
	q := url.Values{"mlat": {x["Latitude"]}, "mlon": {x["Longitude"]}}
	return Location{Latitude: lat, Longitude: lon, Name: x["Label"], Address: x["Address"],
		MapURL: "https://www.openstreetmap.org/?" + q.Encode() + "#map=17/" + x["Latitude"] + "/" + x["Longitude"]}, true
}

func referralOf(x map[string]string) (Referral, bool) {
	r := Referral{
		Headline: x["ReferralHeadline"], Body: x["ReferralBody"], SourceURL: x["ReferralSourceUrl"],
		SourceID: x["ReferralSourceId"], SourceType: x["ReferralSourceType"], MediaURL: x["ReferralMediaUrl"],
		MediaContentType: x["ReferralMediaContentType"], CtwaClid: x["ReferralCtwaClid"],
	}
	// Twilio sends ReferralNumMedia=0 with ordinary messages: a referral is
	// a message that names the ad (any other Referral* field set), or
	// carries its media.
	for k, v := range x {
		if !strings.HasPrefix(k, "Referral") || v == "" {
			continue
		}
		if k == "ReferralNumMedia" {
			if n, err := strconv.Atoi(v); err != nil || n <= 0 {
				continue
			}
		}
		return r, true
	}
	return r, false
}
