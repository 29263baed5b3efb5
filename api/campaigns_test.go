package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
)

func csvField(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCampaignCSVReadsRowsAndReportsBadOnes(t *testing.T) {
	fields := csvField(map[string]string{"name": "n", "number_id": "x", "template_id": "y", "rate_per_second": "5"})
	in, err := campaignFromCSV([]byte("to,1,2,time_zone\n+33612345678,Ada,42,Europe/Paris\n+33612345679,Bob,43,\n"), fields)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Recipients) != 2 || in.Recipients[0].Variables[1] != "42" || in.Recipients[0].TimeZone != "Europe/Paris" || in.RatePerSecond != 5 {
		t.Fatalf("%+v", in)
	}
	if rows := domain.ValidateRecipients(in.Recipients, "Bonjour {{1}}, commande {{2}}"); len(rows) != 0 {
		t.Fatalf("good rows reported: %+v", rows)
	}

	// A short row is reported by the reader; bad numbers, a duplicate and
	// a missing variable by the validation, each with its row.
	_, err = campaignFromCSV([]byte("to,1,2\n+33612345678,Ada\n"), fields)
	var de *detailedError
	if !errors.As(err, &de) || de.err.Code != domain.CodeRecipientsInvalid {
		t.Fatalf("short row: %v", err)
	}
	in, err = campaignFromCSV([]byte("to,1,2\n+33612345678,Ada,1\nnot a number,Bob,2\n+33612345678,Cy,3\n+33612345670,Di,\n"), fields)
	if err != nil {
		t.Fatal(err)
	}
	rows := domain.ValidateRecipients(in.Recipients, "Bonjour {{1}}, commande {{2}}")
	want := map[int]string{2: "to", 3: "to", 4: "variables.2"}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		if want[r.Row] != r.Field {
			t.Errorf("row %d field %s: %s", r.Row, r.Field, r.Message)
		}
		if strings.Contains(r.Message, "612345678") {
			t.Errorf("row %d names the full number: %s", r.Row, r.Message)
		}
	}
	if _, err := campaignFromCSV([]byte("phone,a\n"), fields); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("bad header: %v", err)
	}
}

func TestQuietHoursDeferToTheirEnd(t *testing.T) {
	q := &domain.QuietHours{Start: "21:00", End: "08:00", TimeZone: "Europe/Paris"}
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	paris, _ := timeLoad("Europe/Paris")
	night := dateIn(paris, 23, 30)
	next := q.NextSendable(night, "")
	if next.In(paris).Hour() != 8 || !next.After(night) {
		t.Fatalf("23:30 in Paris: next %v", next.In(paris))
	}
	noon := dateIn(paris, 12, 0)
	if !q.NextSendable(noon, "").Equal(noon) {
		t.Fatal("noon is not quiet")
	}
	// The recipient's zone wins: 23:30 in Paris is 17:30 in New York.
	if !q.NextSendable(night, "America/New_York").Equal(night) {
		t.Fatal("17:30 in New York is not quiet")
	}
}

func timeLoad(name string) (*time.Location, error) { return time.LoadLocation(name) }

func dateIn(loc *time.Location, h, m int) time.Time { return time.Date(2026, 6, 1, h, m, 0, 0, loc) }
