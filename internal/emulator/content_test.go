package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/twilio"
)

type contentPage struct {
	Contents []struct {
		SID              string            `json:"sid"`
		AccountSID       string            `json:"account_sid"`
		FriendlyName     string            `json:"friendly_name"`
		Language         string            `json:"language"`
		Variables        map[string]string `json:"variables"`
		Types            map[string]map[string]any
		ApprovalRequests map[string]any `json:"approval_requests"`
	} `json:"contents"`
	Meta struct {
		PageSize    int     `json:"page_size"`
		Key         string  `json:"key"`
		NextPageURL *string `json:"next_page_url"`
	} `json:"meta"`
}

func getContent(t *testing.T, srv, rawURL, user, pass string) (int, contentPage) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv+u.RequestURI(), nil) // *.twilio.com → emulator, as clients do
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page contentPage
	_ = json.NewDecoder(resp.Body).Decode(&page)
	return resp.StatusCode, page
}

func TestContentAndApprovalsPagesAndAuth(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	e.AddAccount("AC00000000000000000000000000000002", "other-token-0123456789abcdef0123")
	e.AddContent("AC00000000000000000000000000000002", Content{FriendlyName: "not_yours", Language: "en", Body: "x", Status: "approved"})
	for i := range 5 {
		e.AddContent(testSID, Content{SID: fmt.Sprintf("HX%032d", i), FriendlyName: fmt.Sprintf("t%d", i), Language: "fr",
			Body: "Bonjour {{1}}", Variables: map[string]string{"1": "Marie"}, Category: "utility", Status: "approved"})
	}
	e.AddContent(testSID, Content{SID: fmt.Sprintf("HX%032d", 2), FriendlyName: "t2", Language: "fr", Body: "Salut {{1}}",
		Category: "MARKETING", Status: "rejected", RejectionReason: "INVALID_FORMAT"}) // replaces t2

	if code, _ := getContent(t, srv.URL, "/v1/ContentAndApprovals", testSID, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	next := "https://content.twilio.com/v1/ContentAndApprovals?PageSize=2"
	var got []string
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		code, page := getContent(t, srv.URL, next, testSID, testToken)
		if code != http.StatusOK || page.Meta.Key != "contents" || page.Meta.PageSize != 2 {
			t.Fatalf("page %d: %d %+v", pages, code, page.Meta)
		}
		for _, c := range page.Contents {
			got = append(got, c.FriendlyName)
			if c.AccountSID != testSID || c.Language != "fr" || !strings.HasPrefix(c.SID, "HX") {
				t.Fatalf("content %+v", c)
			}
		}
		next = ""
		if page.Meta.NextPageURL != nil {
			next = *page.Meta.NextPageURL
			if !strings.HasPrefix(next, "https://content.twilio.com/v1/ContentAndApprovals?") {
				t.Fatalf("next_page_url %q", next)
			}
		}
	}
	if strings.Join(got, ",") != "t0,t1,t2,t3,t4" {
		t.Fatalf("listed %v", got)
	}
	_, page := getContent(t, srv.URL, "/v1/ContentAndApprovals?PageSize=3&Page=0&PageToken=PT2", testSID, testToken)
	t2 := page.Contents[0]
	if t2.Types["twilio/text"]["body"] != "Salut {{1}}" || t2.ApprovalRequests["status"] != "rejected" ||
		t2.ApprovalRequests["category"] != "MARKETING" || t2.ApprovalRequests["rejection_reason"] != "INVALID_FORMAT" {
		t.Fatalf("replaced content: %+v", t2)
	}
	if code, _ := getContent(t, srv.URL, "/v1/ContentAndApprovals?PageSize=0", testSID, testToken); code != http.StatusBadRequest {
		t.Fatalf("PageSize=0: %d", code)
	}
}

// TestContentThroughTwilioClient lists through internal/twilio (twilio-go's
// Content v1 API, all pages) with content.twilio.com sent to the emulator.
func TestContentThroughTwilioClient(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	for i := range 130 { // two pages of 100
		status := "approved"
		if i%10 == 0 {
			status = "pending"
		}
		e.AddContent(testSID, Content{FriendlyName: fmt.Sprintf("t%03d", i), Language: "en", Body: "Hi {{1}}",
			Variables: map[string]string{"1": "Ada"}, Category: "utility", Status: status})
	}
	cl := twilio.NewClient(twilio.Config{APIBase: srv.URL})
	creds := domain.Credentials{AccountSID: testSID, AuthToken: testToken}
	all, err := cl.ListContent(context.Background(), creds)
	if err != nil || len(all) != 130 {
		t.Fatalf("ListContent: %d items, %v", len(all), err)
	}
	first := all[0]
	if first.FriendlyName != "t000" || first.Body != "Hi {{1}}" || first.Category != "utility" ||
		first.ApprovalStatus != "pending" || first.Variables["1"] != "Ada" || !domain.ValidContentSID(first.SID) {
		t.Fatalf("first: %+v", first)
	}
	approved, err := cl.ListApprovedContent(context.Background(), creds)
	if err != nil || len(approved) != 117 {
		t.Fatalf("ListApprovedContent: %d items, %v", len(approved), err)
	}
	if _, err := cl.ListContent(context.Background(), domain.Credentials{AccountSID: testSID, AuthToken: "nope"}); err == nil {
		t.Fatal("wrong token listed content")
	}
}

func TestControlContent(t *testing.T) {
	_, srv := newTestEmulator(t, Config{})
	post := func(body string) int {
		resp, err := http.Post(srv.URL+"/emulator/content", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"account_sid":"` + testSID + `","friendly_name":"hello","language":"en","body":"Hi {{1}}","status":"approved"}`); code != http.StatusCreated {
		t.Fatalf("add: %d", code)
	}
	if code := post(`{"account_sid":"AC0","friendly_name":"x"}`); code != http.StatusBadRequest {
		t.Fatalf("unknown account: %d", code)
	}
	_, page := getContent(t, srv.URL, "/v1/ContentAndApprovals", testSID, testToken)
	if len(page.Contents) != 1 || page.Contents[0].FriendlyName != "hello" || !domain.ValidContentSID(page.Contents[0].SID) {
		t.Fatalf("listed %+v", page.Contents)
	}
}
