package api

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseSendAtInTheCustomersZone(t *testing.T) {
	paris := func() (*time.Location, error) { return mustZone(t, "Europe/Paris"), nil }
	newYork := func() (*time.Location, error) { return mustZone(t, "America/New_York"), nil }
	noZone := func() (*time.Location, error) {
		t.Fatal("the zone was looked up for an absolute send_at")
		return nil, nil
	}
	for _, tc := range []struct {
		name  string
		raw   string
		local bool
		zone  func() (*time.Location, error)
		want  string
	}{
		{"winter in Paris", "2026-12-03T09:00:00", true, paris, "2026-12-03T08:00:00Z"},
		{"summer in Paris", "2026-07-03T09:00:00", true, paris, "2026-07-03T07:00:00Z"},
		{"minutes only", "2026-12-03T09:30", true, paris, "2026-12-03T08:30:00Z"},
		{"an offset wins over the zone", "2026-12-03T09:00:00+02:00", true, noZone, "2026-12-03T07:00:00Z"},
		{"absolute without the option", "2026-12-03T09:00:00Z", false, noZone, "2026-12-03T09:00:00Z"},
		// 8 March 2026, 02:00 EST → 03:00 EDT: 02:30 never happens, and is
		// read with the offset before the gap (07:30 UTC = 03:30 EDT).
		{"spring-forward gap", "2026-03-08T02:30:00", true, newYork, "2026-03-08T07:30:00Z"},
		{"just after the gap", "2026-03-08T03:00:00", true, newYork, "2026-03-08T07:00:00Z"},
		{"just before the gap", "2026-03-08T01:59:00", true, newYork, "2026-03-08T06:59:00Z"},
		// 1 November 2026, 02:00 EDT → 01:00 EST: 01:30 happens twice; the
		// first (EDT) is taken.
		{"fall-back repeated hour", "2026-11-01T01:30:00", true, newYork, "2026-11-01T05:30:00Z"},
		{"after the repeated hour", "2026-11-01T02:30:00", true, newYork, "2026-11-01T07:30:00Z"},
		// Paris: 29 March 2026 02:00 CET → 03:00 CEST.
		{"spring-forward gap in Paris", "2026-03-29T02:15:00", true, paris, "2026-03-29T01:15:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSendAt(tc.raw, tc.local, tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := time.Parse(time.RFC3339, tc.want); !got.Equal(want) {
				t.Fatalf("send_at %s read as %s, want %s", tc.raw, got.Format(time.RFC3339), tc.want)
			}
		})
	}
}

func TestParseSendAtRefuses(t *testing.T) {
	zoneless := func() (*time.Location, error) { return customerZone(nil, "+999123") }
	for _, tc := range []struct {
		name  string
		raw   string
		local bool
		code  domain.Code
	}{
		{"empty", "", true, domain.CodeInvalid},
		{"garbage", "tomorrow at nine", true, domain.CodeInvalid},
		{"no offset without the option", "2026-12-03T09:00:00", false, domain.CodeInvalid},
		{"no zone known", "2026-12-03T09:00:00", true, domain.CodeUnprocessable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSendAt(tc.raw, tc.local, zoneless)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestCustomerZoneProfileBeforeNumber(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs string
		e164  string
		want  string // "" = 422
	}{
		{"the profile's zone wins", `{"time_zone": "America/Los_Angeles"}`, "+33612345678", "America/Los_Angeles"},
		{"no profile zone: the number's", `{"tier": "gold"}`, "+33612345678", "Europe/Paris"},
		{"no attributes: the number's", ``, "+14155550100", "America/Los_Angeles"},
		{"Canadian area code", `{}`, "+14165550100", "America/Toronto"},
		{"profile zone for an unknown calling code", `{"time_zone": "Asia/Tokyo"}`, "+999123", "Asia/Tokyo"},
		{"a profile zone that is not IANA", `{"time_zone": "Paris time"}`, "+33612345678", ""},
		{"Local is not the customer's", `{"time_zone": "Local"}`, "+33612345678", ""},
		{"nothing known", `{}`, "+999123", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := customerZone(json.RawMessage(tc.attrs), tc.e164)
			if tc.want == "" {
				var de *domain.Error
				if !errors.As(err, &de) || de.Code != domain.CodeUnprocessable {
					t.Fatalf("zone %v, error %v: want 422", loc, err)
				}
				return
			}
			if err != nil || loc.String() != tc.want {
				t.Fatalf("zone %v, error %v: want %s", loc, err, tc.want)
			}
		})
	}
}
