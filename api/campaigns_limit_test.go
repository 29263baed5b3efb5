package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/domain"
)

// startsNothing is a Temporal client whose workflow starts succeed and
// run nothing: the campaign tests here stop at the stored campaign.
type startsNothing struct{ client.Client }

func (startsNothing) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, nil
}

// limitAPI is the API over real HTTP on a fresh database, with a Temporal
// client that starts nothing.
type limitAPI struct {
	*chanAPI
}

func newLimitAPI(t *testing.T) limitAPI {
	t.Helper()
	return limitAPI{newChanAPIWith(t, func(d *api.Deps) {
		d.Temporal = startsNothing{}
	})}
}

// campaignCSV is a CSV of n recipients for a two-variable template.
func campaignCSV(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 40)
	b.WriteString("to,1,2\n")
	for i := range n {
		fmt.Fprintf(&b, "+3360%07d,Ada Lovelace,CMD-2026-%06d\n", i, i)
	}
	return b.Bytes()
}

// post sends body with ctype to path and decodes the answer.
func (a limitAPI) post(path, ctype string, body []byte, out any) int {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+chanAdminKey)
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("POST %s: decode %.200s: %v", path, raw, err)
		}
	}
	if resp.StatusCode >= 300 {
		a.t.Logf("POST %s: %d %.300s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

// announced sends the headers of a POST announcing size bytes, and a few
// of them, on a raw connection (the server answers and hangs up without
// reading the rest), and returns the status and error code.
func (a limitAPI) announced(path, ctype string, size int) (int, string) {
	a.t.Helper()
	host := strings.TrimPrefix(a.base, "http://")
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n{\"name\":\"xxxx",
		path, host, chanAdminKey, ctype, size)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		a.t.Fatalf("%s: no answer to an announced %d bytes: %v", path, size, err)
	}
	defer resp.Body.Close()
	var e struct{ Error struct{ Code string } }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error.Code
}

// TestCampaignOf100000RowsIsAccepted: POST /api/v1/campaigns takes a CSV
// of domain.MaxCampaignRecipients rows (about 4 MiB, over the 1 MiB of
// every other route), as text/csv, as a multipart file and as JSON, and stores
// every recipient as pending.
func TestCampaignOf100000RowsIsAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 recipients")
	}
	a := newLimitAPI(t)
	var acc domain.Account
	a.do(http.MethodPost, "/api/v1/whatsapp-accounts", map[string]any{
		"name": "Contoso", "twilio_account_sid": chanSID, "twilio_auth_token": chanToken,
		"numbers": []map[string]any{{"name": "Promo", "e164": "+33180000001"}},
	}, http.StatusCreated, &acc)
	var tpl domain.Template
	a.do(http.MethodPost, "/api/v1/templates", map[string]any{"name": "promo", "category": "utility", "default_language": "fr",
		"variants": []map[string]any{{"language": "fr", "body": "Bonjour {{1}}, votre commande {{2}} est prête."}}}, http.StatusCreated, &tpl)

	data := campaignCSV(domain.MaxCampaignRecipients)
	if len(data) <= 1<<20 {
		t.Fatalf("the CSV is %d bytes, not over the 1 MiB limit", len(data))
	}
	start := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	q := url.Values{"name": {"csv"}, "number_id": {acc.Numbers[0].ID}, "template_id": {tpl.ID}, "start_at": {start}}

	check := func(how string, status int, camp domain.Campaign, took time.Duration) {
		t.Helper()
		if status != http.StatusCreated {
			t.Fatalf("%s: status %d", how, status)
		}
		if camp.Total != domain.MaxCampaignRecipients || camp.Counts == nil || camp.Counts.Pending != domain.MaxCampaignRecipients {
			t.Fatalf("%s: total %d, counts %+v", how, camp.Total, camp.Counts)
		}
		t.Logf("%s: %d recipients (%.1f MiB) created in %v", how, camp.Total, float64(len(data))/(1<<20), took.Round(time.Millisecond))
	}

	var camp domain.Campaign
	t0 := time.Now()
	st := a.post("/api/v1/campaigns?"+q.Encode(), "text/csv", data, &camp)
	check("text/csv", st, camp, time.Since(t0))

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range q {
		_ = w.WriteField(k, v[0])
	}
	_ = w.WriteField("name", "multipart")
	fw, _ := w.CreateFormFile("file", "list.csv")
	_, _ = fw.Write(data)
	_ = w.Close()
	camp = domain.Campaign{}
	t0 = time.Now()
	st = a.post("/api/v1/campaigns", w.FormDataContentType(), buf.Bytes(), &camp)
	check("multipart", st, camp, time.Since(t0))

	rs := make([]map[string]any, domain.MaxCampaignRecipients)
	for i := range rs {
		rs[i] = map[string]any{"to": fmt.Sprintf("+3360%07d", i), "variables": []string{"Ada Lovelace", fmt.Sprintf("CMD-2026-%06d", i)}}
	}
	js, _ := json.Marshal(map[string]any{"name": "json", "number_id": acc.Numbers[0].ID, "template_id": tpl.ID, "start_at": start, "recipients": rs})
	camp = domain.Campaign{}
	t0 = time.Now()
	st = a.post("/api/v1/campaigns", "application/json", js, &camp)
	data = js
	check("json", st, camp, time.Since(t0))
}

// TestBodyLimitsPerRoute: only POST /api/v1/campaigns (and the upload
// route) take more than 1 MiB; it stops at 32 MiB; every other route,
// another method on the campaigns path included, refuses over 1 MiB with
// 413 from the announced length.
func TestBodyLimitsPerRoute(t *testing.T) {
	a := newLimitAPI(t)
	for _, c := range []struct {
		path string
		size int
	}{
		{"/api/v1/queues", 1<<20 + 1},
		{"/api/v1/templates", 2 << 20},
		{"/api/v1/campaigns/x/pause", 2 << 20},
		{"/api/v1/campaigns", 32<<20 + 1},
	} {
		if st, code := a.announced(c.path, "application/json", c.size); st != http.StatusRequestEntityTooLarge || code != string(domain.CodeTooLarge) {
			t.Errorf("POST %s with %d bytes: %d %s, want 413 %s", c.path, c.size, st, code, domain.CodeTooLarge)
		}
	}
	// 2 MiB of JSON on the campaigns route is read (and found invalid:
	// the limit let it through).
	body := []byte(`{"name":"` + strings.Repeat("x", 2<<20) + `"}`)
	if st := a.post("/api/v1/campaigns", "application/json", body, nil); st != http.StatusBadRequest {
		t.Errorf("2 MiB of JSON on POST /api/v1/campaigns: %d, want 400 (read, then refused)", st)
	}
}
