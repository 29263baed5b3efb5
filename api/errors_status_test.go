package api

import "testing"

// Every generic code answers the status it stands for, so an error that
// carries only a status keeps it.
func TestGenericCodesKeepTheirStatus(t *testing.T) {
	for status, code := range genericCode {
		if got, ok := httpStatus[code]; !ok || got != status {
			t.Errorf("status %d maps to %s, which answers %d", status, code, got)
		}
		for range 20 { // a map-order choice would differ between calls
			if c := codeForStatus(status); c != code {
				t.Fatalf("codeForStatus(%d) = %s, then %s", status, code, c)
			}
		}
	}
}
