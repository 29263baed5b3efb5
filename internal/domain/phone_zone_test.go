package domain

import (
	"testing"
	"time"
)

func TestZoneForNumber(t *testing.T) {
	cases := map[string]string{
		"+33612345678":   "Europe/Paris",
		"+14155238886":   "America/Los_Angeles", // area code 415 beats +1
		"+12025550123":   "America/New_York",    // +1 without a listed area code
		"+16135550123":   "America/Toronto",
		"+5511912345678": "America/Sao_Paulo",
		"+77012345678":   "Asia/Almaty", // +77 Kazakhstan beats +7 Russia
		"+79161234567":   "Europe/Moscow",
		"+2250102030405": "Africa/Abidjan",
	}
	for number, want := range cases {
		got, ok := ZoneForNumber(number)
		if !ok || got != want {
			t.Errorf("ZoneForNumber(%s) = %q, %v; want %q", number, got, ok, want)
		}
	}
	if z, ok := ZoneForNumber("+8881234567"); ok {
		t.Errorf("unknown calling code answered %q", z)
	}
}

// Every zone in the table must load from the zone database compiled into
// the binary, or a campaign's quiet hours would fail at send time.
func TestZoneForNumberZonesAllLoad(t *testing.T) {
	for code, zone := range zoneByCallingCode {
		if _, err := time.LoadLocation(zone); err != nil {
			t.Errorf("calling code %s: zone %q: %v", code, zone, err)
		}
	}
}
