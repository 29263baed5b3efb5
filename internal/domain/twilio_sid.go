package domain

import "regexp"

// messageSIDPattern is the shape of a Twilio message SID: SM (or MM, a
// message with media) and 32 lowercase hex digits.
var messageSIDPattern = regexp.MustCompile(`^(SM|MM)[0-9a-f]{32}$`)

// ValidMessageSID reports whether sid has Twilio's shape. Webhooks insist on
// it: a signature covers the concatenation of keys and values, so a field
// that may hold anything lets one signed request be replayed with its
// fields split differently, as another message.
func ValidMessageSID(sid string) bool { return messageSIDPattern.MatchString(sid) }
