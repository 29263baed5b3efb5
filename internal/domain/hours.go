package domain

import (
	"slices"
	"sync"
	"time"
)

// IsOpen reports whether t falls within the operating hours. nil hours are
// always open. Intervals are read on the local wall clock of the workstream's
// time zone, start inclusive and end exclusive ("24:00" closes at midnight),
// so DST days need no special case: on the spring-forward day the skipped
// hour simply never happens and on the fall-back day the repeated hour is
// open (or closed) twice.
//
// The result depends only on t and the zone database compiled into the
// binary (time/tzdata is imported by this package), which is what the
// conversation workflow needs to call it deterministically with
// workflow.Now. An error means the configuration is unusable (unknown zone,
// malformed interval); validation refuses both, so it points at data that
// bypassed it.
func (h *OperatingHours) IsOpen(t time.Time) (bool, error) {
	if h == nil {
		return true, nil
	}
	loc, err := hoursLocation(h.Timezone)
	if err != nil {
		return false, err
	}
	return h.openAt(t.In(loc))
}

// NextOpening returns the first instant at or after t when the operating
// hours are open (t itself when open at t), in the workstream's time zone —
// what an after-hours message or a timer needs. nil hours return t. It
// returns false when the hours never open within a week (no interval at all)
// or cannot be read.
func (h *OperatingHours) NextOpening(t time.Time) (time.Time, bool) {
	if h == nil {
		return t, true
	}
	loc, err := hoursLocation(h.Timezone)
	if err != nil {
		return time.Time{}, false
	}
	t = t.In(loc)
	open, err := h.openAt(t)
	if err != nil {
		return time.Time{}, false
	}
	if open {
		return t, true
	}
	// Being closed turns into being open only at an instant whose wall clock
	// reads the start of an interval, or at a zone transition when the wall
	// clock jumps into an interval (02:00 → 03:00 inside "02:30"-"04:00").
	// Collect those candidates over the next eight local days — enough to
	// come back to the same weekday — and keep the earliest that is open.
	horizon := t.AddDate(0, 0, 8)
	var best time.Time
	consider := func(c time.Time) {
		if !c.After(t) || c.After(horizon) || (!best.IsZero() && !c.Before(best)) {
			return
		}
		if open, err := h.openAt(c.In(loc)); err == nil && open {
			best = c
		}
	}
	y, m, d := t.Date()
	for offset := 0; offset <= 8; offset++ {
		day := time.Date(y, m, d+offset, 12, 0, 0, 0, loc)
		for _, r := range h.Weekly[weekdayKey(day.Weekday())] {
			start, ok := minuteOfDay(r.Start, false)
			if !ok {
				return time.Time{}, false
			}
			dy, dm, dd := day.Date()
			for _, c := range wallClockInstants(loc, dy, dm, dd, start/60, start%60) {
				consider(c)
			}
		}
	}
	for c := t; ; {
		_, end := c.ZoneBounds()
		if end.IsZero() || end.After(horizon) {
			break
		}
		consider(end)
		c = end
	}
	if best.IsZero() {
		return time.Time{}, false
	}
	return best.In(loc), true
}

// openAt checks local, a time already in the zone of h.
func (h *OperatingHours) openAt(local time.Time) (bool, error) {
	day := weekdayKey(local.Weekday())
	minute := local.Hour()*60 + local.Minute()
	for i, r := range h.Weekly[day] {
		start, ok1 := minuteOfDay(r.Start, false)
		end, ok2 := minuteOfDay(r.End, true)
		if !ok1 || !ok2 {
			return false, Errorf(CodeInvalid, "operating_hours.weekly.%s[%d]: %q-%q is not an interval HH:MM-HH:MM", day, i, r.Start, r.End)
		}
		if start <= minute && minute < end {
			return true, nil
		}
	}
	return false, nil
}

// weekdayKey maps time.Weekday (Sunday = 0) to the keys of Weekly.
func weekdayKey(d time.Weekday) string { return Weekdays[(int(d)+6)%7] }

// wallClockInstants returns every instant, in order, whose wall clock in loc
// reads y-m-d hh:mm: one on an ordinary day, none inside a spring-forward
// gap, two inside a fall-back overlap. time.Date alone returns a single,
// unspecified one of the two.
func wallClockInstants(loc *time.Location, y int, m time.Month, d, hh, mm int) []time.Time {
	wall := time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
	// Every offset that can apply near this wall time is in effect somewhere
	// within ±26 hours of it read as UTC (offsets span -12h…+14h).
	var offsets []int
	from := wall.Add(-26 * time.Hour).In(loc)
	limit := wall.Add(26 * time.Hour)
	for c := from; ; {
		if _, off := c.Zone(); !slices.Contains(offsets, off) {
			offsets = append(offsets, off)
		}
		_, end := c.ZoneBounds()
		if end.IsZero() || end.After(limit) {
			break
		}
		c = end
	}
	var out []time.Time
	for _, off := range offsets {
		c := wall.Add(-time.Duration(off) * time.Second).In(loc)
		if _, got := c.Zone(); got != off {
			continue
		}
		cy, cm, cd := c.Date()
		if cy == y && cm == m && cd == d && c.Hour() == hh && c.Minute() == mm && !slices.ContainsFunc(out, c.Equal) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// hoursLocations caches loaded zones: LoadLocation parses zone data on every
// call, and IsOpen runs for every inbound message.
var hoursLocations sync.Map // name → *time.Location

func hoursLocation(name string) (*time.Location, error) {
	if v, ok := hoursLocations.Load(name); ok {
		return v.(*time.Location), nil
	}
	// "" would silently mean UTC and "Local" the machine's zone, which can
	// differ between workers and break replay.
	if name == "" || name == "Local" {
		return nil, Errorf(CodeInvalid, "operating_hours.timezone %q is not an IANA time zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(CodeInvalid, "operating_hours.timezone %q: %v", name, err)
	}
	hoursLocations.Store(name, loc)
	return loc, nil
}
