package domain

import (
	"testing"
	"time"
)

func TestAddOpenTimeSkipsTheWeekend(t *testing.T) {
	h := &OperatingHours{Timezone: "Europe/Paris", Weekly: map[string][]TimeRange{
		"mon": {{"09:00", "18:00"}}, "tue": {{"09:00", "18:00"}}, "wed": {{"09:00", "18:00"}},
		"thu": {{"09:00", "18:00"}}, "fri": {{"09:00", "12:00"}, {"14:00", "18:00"}},
	}}
	paris, _ := time.LoadLocation("Europe/Paris")
	cases := []struct {
		name  string
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"within the day", time.Date(2026, 12, 2, 10, 0, 0, 0, paris), 2 * time.Hour, time.Date(2026, 12, 2, 12, 0, 0, 0, paris)},
		{"friday evening to monday", time.Date(2026, 12, 4, 17, 30, 0, 0, paris), time.Hour, time.Date(2026, 12, 7, 9, 30, 0, 0, paris)},
		{"saturday starts monday", time.Date(2026, 12, 5, 11, 0, 0, 0, paris), 30 * time.Minute, time.Date(2026, 12, 7, 9, 30, 0, 0, paris)},
		{"over the lunch break", time.Date(2026, 12, 4, 11, 0, 0, 0, paris), 2 * time.Hour, time.Date(2026, 12, 4, 15, 0, 0, 0, paris)},
		{"whole days", time.Date(2026, 12, 3, 9, 0, 0, 0, paris), 18 * time.Hour, time.Date(2026, 12, 7, 11, 0, 0, 0, paris)},
		{"exactly to closing", time.Date(2026, 12, 2, 17, 0, 0, 0, paris), time.Hour, time.Date(2026, 12, 2, 18, 0, 0, 0, paris)},
	}
	for _, tc := range cases {
		got, ok := h.AddOpenTime(tc.start, tc.d)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("%s: AddOpenTime(%s, %s) = %s, %v; want %s", tc.name, tc.start, tc.d, got.In(paris), ok, tc.want)
		}
	}
	var always *OperatingHours
	start := time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC)
	if got, _ := always.AddOpenTime(start, time.Hour); !got.Equal(start.Add(time.Hour)) {
		t.Errorf("nil hours: got %s", got)
	}
	allDay := &OperatingHours{Timezone: "UTC", Weekly: map[string][]TimeRange{}}
	for _, d := range Weekdays {
		allDay.Weekly[d] = []TimeRange{{"00:00", "24:00"}}
	}
	if got, ok := allDay.AddOpenTime(start, 30*24*time.Hour); !ok || !got.Equal(start.Add(30*24*time.Hour)) {
		t.Errorf("around the clock: got %s %v", got, ok)
	}
	if _, ok := (&OperatingHours{Timezone: "UTC", Weekly: map[string][]TimeRange{}}).AddOpenTime(start, time.Hour); ok {
		t.Error("hours that never open gave a deadline")
	}
}

func TestNormalizeSLAPolicy(t *testing.T) {
	p := SLAPolicy{Name: " vip ", FirstResponse: Duration(5 * time.Minute)}
	if err := NormalizeSLAPolicy(&p); err != nil || p.Name != "vip" || p.WarningPercent != 80 || p.Escalations == nil {
		t.Fatalf("got %+v, %v", p, err)
	}
	bad := []SLAPolicy{
		{Name: ""},
		{Name: "x", WarningPercent: 100},
		{Name: "x", Resolution: Duration(-time.Second)},
		{Name: "x", Escalations: []SLAEscalation{{On: "later", Action: SLANotify}}},
		{Name: "x", Escalations: []SLAEscalation{{On: SLAOnBreach, Action: SLAMoveQueue}}},
		{Name: "x", Escalations: []SLAEscalation{{On: SLAOnBreach, Action: SLARaisePriority}}},
		{Name: "x", Escalations: []SLAEscalation{{On: SLAOnBreach, Action: SLAMessageCustomer, Text: " "}}},
		{Name: "x", Escalations: []SLAEscalation{{On: SLAOnBreach, Target: "lunch", Action: SLANotify}}},
	}
	for i, p := range bad {
		if err := NormalizeSLAPolicy(&p); err == nil {
			t.Errorf("case %d: %+v accepted", i, p)
		}
	}
}
