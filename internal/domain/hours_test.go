package domain

import (
	"strings"
	"testing"
	"time"
)

func hoursUTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func hoursParis() *OperatingHours {
	return &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{
		"mon": {{"09:00", "12:00"}, {"14:00", "18:00"}},
		"sat": {{"10:00", "24:00"}},
		"sun": {{"00:00", "02:00"}},
	}}
}

func TestIsOpen(t *testing.T) {
	h := hoursParis()
	// June 2024: Paris is UTC+2. 2024-06-03 is a Monday.
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2024-06-03T06:59:59Z", false}, // Mon 08:59:59
		{"2024-06-03T07:00:00Z", true},  // Mon 09:00 start inclusive
		{"2024-06-03T09:59:59Z", true},  // Mon 11:59:59
		{"2024-06-03T10:00:00Z", false}, // Mon 12:00 end exclusive
		{"2024-06-03T12:00:00Z", true},  // Mon 14:00
		{"2024-06-03T15:59:00Z", true},  // Mon 17:59
		{"2024-06-03T16:00:00Z", false}, // Mon 18:00
		{"2024-06-04T08:00:00Z", false}, // Tue: no key, closed
		{"2024-06-08T07:59:00Z", false}, // Sat 09:59
		{"2024-06-08T21:59:59Z", true},  // Sat 23:59:59, "24:00" end
		{"2024-06-08T22:00:00Z", true},  // Sun 00:00 local (still Saturday in UTC)
		{"2024-06-08T23:59:00Z", true},  // Sun 01:59
		{"2024-06-09T00:00:00Z", false}, // Sun 02:00
		{"2024-06-07T21:59:00Z", false}, // Fri 23:59
		// The zone of t does not matter, only the instant.
		{"2024-06-03T09:00:00+02:00", true},
		{"2024-06-03T03:00:00-04:00", true}, // 09:00 Paris
	} {
		got, err := h.IsOpen(hoursUTC(tc.at))
		if err != nil || got != tc.want {
			t.Errorf("IsOpen(%s) = %v, %v; want %v", tc.at, got, err, tc.want)
		}
	}
}

func TestIsOpenNilIsAlwaysOpen(t *testing.T) {
	var h *OperatingHours
	if open, err := h.IsOpen(time.Now()); !open || err != nil {
		t.Fatalf("nil hours: %v %v", open, err)
	}
	now := hoursUTC("2024-06-03T03:00:00Z")
	if next, ok := h.NextOpening(now); !ok || !next.Equal(now) {
		t.Fatalf("nil hours NextOpening: %v %v", next, ok)
	}
}

func TestIsOpenWeekdayKeys(t *testing.T) {
	// 2024-06-03 is a Monday; each day open only on its own key.
	for i, day := range Weekdays {
		h := &OperatingHours{Timezone: "Asia/Tokyo", Weekly: map[string][]TimeRange{day: {{"00:00", "24:00"}}}}
		for j := range 7 {
			at := time.Date(2024, 6, 3+j, 12, 0, 0, 0, hoursZone(t, "Asia/Tokyo"))
			open, err := h.IsOpen(at)
			if err != nil || open != (i == j) {
				t.Errorf("%s open on %s = %v, %v", day, at.Weekday(), open, err)
			}
		}
	}
}

func TestIsOpenDSTParis(t *testing.T) {
	// Spring forward: Sunday 2024-03-31, 02:00 CET → 03:00 CEST (01:00Z).
	spring := &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"sun": {{"01:00", "04:00"}}}}
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2024-03-30T23:59:00Z", false}, // 00:59 CET
		{"2024-03-31T00:00:00Z", true},  // 01:00 CET
		{"2024-03-31T00:59:59Z", true},  // 01:59:59 CET
		{"2024-03-31T01:00:00Z", true},  // 03:00 CEST: the clock skipped 02:xx
		{"2024-03-31T01:59:00Z", true},  // 03:59 CEST
		{"2024-03-31T02:00:00Z", false}, // 04:00 CEST: open two real hours, not three
	} {
		if got, err := spring.IsOpen(hoursUTC(tc.at)); err != nil || got != tc.want {
			t.Errorf("spring IsOpen(%s) = %v, %v; want %v", tc.at, got, err, tc.want)
		}
	}
	// Fall back: Sunday 2024-10-27, 03:00 CEST → 02:00 CET (01:00Z); 02:xx
	// happens twice and is open both times.
	fall := &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"sun": {{"02:00", "03:00"}}}}
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2024-10-26T23:59:00Z", false}, // 01:59 CEST
		{"2024-10-27T00:00:00Z", true},  // 02:00 CEST
		{"2024-10-27T00:59:00Z", true},  // 02:59 CEST
		{"2024-10-27T01:00:00Z", true},  // 02:00 CET, again
		{"2024-10-27T01:59:00Z", true},  // 02:59 CET
		{"2024-10-27T02:00:00Z", false}, // 03:00 CET
	} {
		if got, err := fall.IsOpen(hoursUTC(tc.at)); err != nil || got != tc.want {
			t.Errorf("fall IsOpen(%s) = %v, %v; want %v", tc.at, got, err, tc.want)
		}
	}
}

func TestNextOpening(t *testing.T) {
	paris := hoursParis()
	for _, tc := range []struct {
		name string
		h    *OperatingHours
		at   string
		want string // "" = none
	}{
		{"open now returns now", paris, "2024-06-03T07:30:15Z", "2024-06-03T07:30:15Z"},
		{"before opening", paris, "2024-06-03T05:00:00Z", "2024-06-03T07:00:00Z"},
		{"lunch break", paris, "2024-06-03T10:30:00Z", "2024-06-03T12:00:00Z"},
		{"seconds before opening", paris, "2024-06-03T06:59:59Z", "2024-06-03T07:00:00Z"},
		{"evening to saturday", paris, "2024-06-03T16:00:00Z", "2024-06-08T08:00:00Z"},
		{"sunday night to next monday", paris, "2024-06-09T00:00:00Z", "2024-06-10T07:00:00Z"},
		{"same weekday next week", &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"mon": {{"09:00", "10:00"}}}},
			"2024-06-03T08:00:00Z", "2024-06-10T07:00:00Z"},
		// Around the spring-forward change: 10:00 is CET on Saturday, 09:00
		// is CEST on Monday.
		{"before spring forward", paris, "2024-03-30T06:00:00Z", "2024-03-30T09:00:00Z"},
		{"after spring forward", paris, "2024-03-31T01:30:00Z", "2024-04-01T07:00:00Z"},
		// An interval that starts inside the skipped hour opens when the
		// clock jumps into it (03:00 CEST), not at 03:30.
		{"start inside the gap", &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"sun": {{"02:30", "04:00"}}}},
			"2024-03-30T23:00:00Z", "2024-03-31T01:00:00Z"},
		// An interval wholly inside the gap does not exist that day.
		{"interval wholly in the gap", &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"sun": {{"02:00", "03:00"}}}},
			"2024-03-30T23:00:00Z", "2024-04-07T00:00:00Z"},
		// 02:00 happens twice on the fall-back day: the first one.
		{"repeated hour opens at its first occurrence", &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"sun": {{"02:00", "02:30"}}}},
			"2024-10-26T23:30:00Z", "2024-10-27T00:00:00Z"},
		// Between the two occurrences it opens again at the second one.
		{"repeated hour second occurrence", &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"sun": {{"02:00", "02:30"}}}},
			"2024-10-27T00:45:00Z", "2024-10-27T01:00:00Z"},
		{"new york", &OperatingHours{Timezone: "America/New_York", Weekly: map[string][]TimeRange{"fri": {{"08:00", "17:00"}}}},
			"2024-11-01T22:00:00Z", "2024-11-08T13:00:00Z"}, // EDT → EST in between
		{"no interval at all", &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{}}, "2024-06-03T07:00:00Z", ""},
		{"unknown zone", &OperatingHours{Timezone: "Mars/Olympus", Weekly: paris.Weekly}, "2024-06-03T07:00:00Z", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.h.NextOpening(hoursUTC(tc.at))
			if tc.want == "" {
				if ok {
					t.Fatalf("got %v, want none", got)
				}
				return
			}
			if !ok || !got.Equal(hoursUTC(tc.want)) {
				t.Fatalf("got %v (%v), want %s", got, ok, tc.want)
			}
			if got.Location().String() != tc.h.Timezone {
				t.Errorf("result in %s, want the workstream zone", got.Location())
			}
			if open, _ := tc.h.IsOpen(got); !open {
				t.Errorf("not open at the returned %v", got)
			}
			if before := got.Add(-time.Second); before.After(hoursUTC(tc.at)) || before.Equal(hoursUTC(tc.at)) {
				if open, _ := tc.h.IsOpen(before); open {
					t.Errorf("already open one second before %v", got)
				}
			}
		})
	}
}

func TestOperatingHoursErrors(t *testing.T) {
	at := hoursUTC("2024-06-03T07:00:00Z")
	for _, h := range []*OperatingHours{
		{Timezone: "Mars/Olympus"},
		{Timezone: ""},      // would silently be UTC
		{Timezone: "Local"}, // would differ between workers
		{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"mon": {{"9h", "18:00"}}}},
		{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{"mon": {{"09:00", "25:00"}}}},
	} {
		if _, err := h.IsOpen(at); err == nil || !strings.Contains(err.Error(), "operating_hours") {
			t.Errorf("%+v: err = %v", h, err)
		}
		if _, ok := h.NextOpening(at); ok {
			t.Errorf("%+v: NextOpening ok", h)
		}
	}
}

func TestWallClockInstants(t *testing.T) {
	paris := hoursZone(t, "Europe/Paris")
	for _, tc := range []struct {
		name    string
		y, m, d int
		hh, mm  int
		want    []string
	}{
		{"ordinary", 2024, 6, 3, 9, 0, []string{"2024-06-03T07:00:00Z"}},
		{"gap", 2024, 3, 31, 2, 30, nil},
		{"overlap", 2024, 10, 27, 2, 30, []string{"2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z"}},
	} {
		got := wallClockInstants(paris, tc.y, time.Month(tc.m), tc.d, tc.hh, tc.mm)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		for i := range got {
			if !got[i].Equal(hoursUTC(tc.want[i])) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func hoursZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
