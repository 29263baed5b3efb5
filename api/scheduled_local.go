package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

// localSendAtLayouts are the forms of a send_at without an offset that
// customer_local_time reads as a wall-clock time in the customer's zone.
var localSendAtLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}

// parseSendAt reads a follow-up's send_at. An RFC 3339 instant (with its
// offset or Z) is that instant, whatever customer_local_time says. Without
// an offset it is only accepted with customer_local_time, and then read as
// a wall-clock time in the zone zone() finds (docs/service-levels.md).
func parseSendAt(raw string, customerLocal bool, zone func() (*time.Location, error)) (time.Time, error) {
	if raw == "" {
		return time.Time{}, invalid("send_at is required (an RFC 3339 instant, or a local time with customer_local_time)")
	}
	if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
		return t.UTC(), nil
	}
	var wall time.Time
	var err error
	for _, layout := range localSendAtLayouts {
		if wall, err = time.Parse(layout, raw); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, invalid("send_at %q: not an RFC 3339 instant nor a local date and time (2006-01-02T15:04:05)", raw)
	}
	if !customerLocal {
		return time.Time{}, invalid("send_at %q has no offset: give one (e.g. Z), or set customer_local_time to read it in the customer's zone", raw)
	}
	loc, err := zone()
	if err != nil {
		return time.Time{}, err
	}
	return wallClockIn(wall, loc), nil
}

// wallClockIn is the instant the clocks of loc show wall (read as UTC
// fields). A time that happens twice (the hour repeated when summer time
// ends) is its first occurrence; a time that never happens (the hour
// skipped when it begins) is moved forward by the gap, as a clock left on
// the old offset would show it (02:30 on a spring-forward night in New
// York is 03:30 EDT). Go's time.Date leaves both cases unspecified.
func wallClockIn(wall time.Time, loc *time.Location) time.Time {
	// The offsets in force a day either side cover every transition of a
	// real zone (none has two within a day).
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	_, after := wall.Add(24 * time.Hour).In(loc).Zone()
	var found time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWallClock(t.In(loc), wall) && (found.IsZero() || t.Before(found)) {
			found = t
		}
	}
	if found.IsZero() {
		// In the gap: read with the offset in force before it.
		found = wall.Add(-time.Duration(before) * time.Second)
	}
	return found.UTC()
}

func sameWallClock(t, wall time.Time) bool {
	y, mo, d := t.Date()
	wy, wmo, wd := wall.Date()
	return y == wy && mo == wmo && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute() &&
		t.Second() == wall.Second() && t.Nanosecond() == wall.Nanosecond()
}

// customerZone is the customer's time zone: the profile's
// attributes.time_zone when it has one (an IANA name), else the zone of
// the number's country, else an error that says none is known.
func customerZone(attributes json.RawMessage, e164 string) (*time.Location, error) {
	var attrs struct {
		TimeZone *string `json:"time_zone"`
	}
	if len(attributes) > 0 && json.Unmarshal(attributes, &attrs) == nil && attrs.TimeZone != nil {
		name := strings.TrimSpace(*attrs.TimeZone)
		loc, err := ianaZone(name)
		if err != nil {
			return nil, domain.Errorf(domain.CodeUnprocessable,
				"customer_local_time: the customer's profile has time_zone %q, which is not an IANA time zone (e.g. Europe/Paris)", name)
		}
		return loc, nil
	}
	if name, ok := domain.ZoneForNumber(e164); ok {
		if loc, err := ianaZone(name); err == nil {
			return loc, nil
		}
	}
	return nil, domain.Errorf(domain.CodeUnprocessable,
		"customer_local_time: no time zone is known for this customer (set attributes.time_zone on the customer's profile, or give send_at with an offset)")
}

// ianaZone loads an IANA zone; "" and "Local" are refused (UTC and the
// server's own zone, neither of them the customer's).
func ianaZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, domain.Errorf(domain.CodeInvalid, "%q is not an IANA time zone", name)
	}
	return time.LoadLocation(name)
}
