package domain

import (
	"slices"
	"strings"
	"time"
)

// Weekdays are the keys of OperatingHours.Weekly, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// ValidateOperatingHours checks a time zone and weekly intervals: known days,
// "HH:MM" times (end may be "24:00"), start before end, no overlap within a
// day. nil means always open. A day that is absent or empty is closed.
func ValidateOperatingHours(h *OperatingHours) error {
	if h == nil {
		return nil
	}
	if h.Timezone == "" || h.Timezone == "Local" {
		return Errorf(CodeInvalid, "operating_hours.timezone is required (an IANA time zone such as Europe/Paris)")
	}
	if _, err := time.LoadLocation(h.Timezone); err != nil {
		return Errorf(CodeInvalid, "operating_hours.timezone %q is not an IANA time zone (such as Europe/Paris)", h.Timezone)
	}
	if len(h.Weekly) == 0 {
		return Errorf(CodeInvalid, "operating_hours.weekly has no day: give opening hours per day (mon…sun), or leave operating_hours out to be always open")
	}
	for day, ranges := range h.Weekly {
		if !slices.Contains(Weekdays, day) {
			return Errorf(CodeInvalid, "operating_hours.weekly: unknown day %q (use %s)", day, strings.Join(Weekdays, ", "))
		}
		if err := validateDay(day, ranges); err != nil {
			return err
		}
	}
	return nil
}

func validateDay(day string, ranges []TimeRange) error {
	type span struct{ start, end int }
	spans := make([]span, 0, len(ranges))
	for i, r := range ranges {
		start, ok := minuteOfDay(r.Start, false)
		if !ok {
			return Errorf(CodeInvalid, "operating_hours.weekly.%s[%d].start %q is not a time HH:MM", day, i, r.Start)
		}
		end, ok := minuteOfDay(r.End, true)
		if !ok {
			return Errorf(CodeInvalid, "operating_hours.weekly.%s[%d].end %q is not a time HH:MM (24:00 for midnight)", day, i, r.End)
		}
		if start >= end {
			return Errorf(CodeInvalid, "operating_hours.weekly.%s[%d]: start %s must be before end %s (split a night shift over two days)", day, i, r.Start, r.End)
		}
		spans = append(spans, span{start, end})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return Errorf(CodeInvalid, "operating_hours.weekly.%s: intervals overlap", day)
		}
	}
	return nil
}

// minuteOfDay parses "HH:MM"; "24:00" only when allowEnd.
func minuteOfDay(s string, allowEnd bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h == 24 && m == 0 && allowEnd {
		return 24 * 60, true
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}
