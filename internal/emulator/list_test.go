package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// twilio-go's ListMessage reads the list newest first, filtered by To and
// From, across pages (next_page_uri with Page and PageToken).
func TestListMessagesWithTwilioGo(t *testing.T) {
	e, srv := newTestEmulator(t, Config{StatusCallbackDelay: time.Hour}) // stay queued: no date_sent
	for _, b := range []string{"one", "two", "three"} {
		postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, b))
	}
	postMessage(t, srv.URL, testSID, testToken, sendForm("+33699999999", "elsewhere"))
	rc := newTwilioGo(srv.URL, testSID, testToken)

	params := &openapi.ListMessageParams{}
	params.SetTo("whatsapp:" + testTo).SetFrom("whatsapp:" + testSender).SetPageSize(2)
	got, err := rc.Api.ListMessage(params)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range got {
		bodies = append(bodies, *m.Body)
		if *m.To != "whatsapp:"+testTo || *m.Status != "queued" || m.DateCreated == nil || m.DateSent != nil {
			t.Fatalf("listed %+v", m)
		}
	}
	if strings.Join(bodies, ",") != "three,two,one" {
		t.Fatalf("listed %v, want newest first across pages", bodies)
	}
	if n := len(e.Messages()); n != 4 {
		t.Fatalf("%d messages", n)
	}

	// A queued message has no date_sent: a DateSent filter does not find it
	// (why the sender never filters on it: TWILIO.md).
	params = &openapi.ListMessageParams{}
	params.SetTo("whatsapp:" + testTo).SetDateSent(time.Now())
	if got, err := rc.Api.ListMessage(params); err != nil || len(got) != 0 {
		t.Fatalf("DateSent filter on queued messages: %d, %v", len(got), err)
	}

	// Another account's credentials are refused.
	bad := newTwilioGo(srv.URL, testSID, "badtoken")
	var te *client.TwilioRestError
	if _, err := bad.Api.ListMessage(nil); !errors.As(err, &te) || te.Status != 401 {
		t.Fatalf("bad token: %v", err)
	}
}

func TestListMessagesPageShape(t *testing.T) {
	_, srv := newTestEmulator(t, Config{})
	for _, b := range []string{"a", "b", "c"} {
		postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, b))
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/2010-04-01/Accounts/"+testSID+"/Messages.json?To="+
		url.QueryEscape("whatsapp:"+testTo)+"&PageSize=2", nil)
	req.SetBasicAuth(testSID, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page messageList
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if page.Page != 0 || page.PageSize != 2 || page.Start != 0 || page.End != 1 || len(page.Messages) != 2 ||
		page.NextPageURI == nil || !strings.Contains(*page.NextPageURI, "PageToken=PA"+page.Messages[1].Sid) ||
		page.PreviousPageURI != nil || !strings.HasPrefix(page.URI, "/2010-04-01/Accounts/"+testSID+"/Messages.json?") {
		t.Fatalf("page %+v", page)
	}
}

// "Accept, then 500" and "accept, then drop": the message exists (listed,
// its callbacks posted) though the client got an error; Drop without
// Accept creates nothing; CallbackDelay holds the callbacks.
func TestAcceptThenFailModes(t *testing.T) {
	rc := newReceiver(t, testToken)
	e, srv := newTestEmulator(t, Config{})
	send := func(body string) (*http.Response, error) {
		form := sendForm(testTo, body)
		form.Set("StatusCallback", rc.URL+"/status")
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/2010-04-01/Accounts/"+testSID+"/Messages.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testSID, testToken)
		return http.DefaultClient.Do(req)
	}

	e.InjectFailure(Failure{Count: 1, Accept: true, HTTPStatus: http.StatusInternalServerError})
	resp, err := send("accepted then 500")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || len(e.Messages()) != 1 {
		t.Fatalf("accept then 500: status %d, %d messages", resp.StatusCode, len(e.Messages()))
	}
	rc.wait(t, 4) // queued, sent, delivered, read

	e.InjectFailure(Failure{Count: 1, Accept: true, Drop: true, CallbackDelay: 300 * time.Millisecond})
	before := len(rc.wait(t, 4))
	if resp, err := send("accepted then dropped"); err == nil {
		resp.Body.Close()
		t.Fatalf("accept then drop answered %d", resp.StatusCode)
	}
	if n := len(e.Messages()); n != 2 {
		t.Fatalf("accept then drop: %d messages, want 2", n)
	}
	time.Sleep(150 * time.Millisecond)
	rc.mu.Lock()
	n := len(rc.reqs)
	rc.mu.Unlock()
	if n != before {
		t.Fatalf("%d callbacks during CallbackDelay", n-before)
	}
	rc.wait(t, before+1)

	e.InjectFailure(Failure{Count: 1, Drop: true})
	if resp, err := send("dropped"); err == nil {
		resp.Body.Close()
		t.Fatalf("drop answered %d", resp.StatusCode)
	}
	if n := len(e.Messages()); n != 2 {
		t.Fatalf("drop without accept created a message: %d", n)
	}
}

func TestFailureJSONAcceptDropCallbackDelay(t *testing.T) {
	var f Failure
	if err := f.UnmarshalJSON([]byte(`{"accept":true,"drop":true,"http_status":500,"callback_delay":"30s"}`)); err != nil {
		t.Fatal(err)
	}
	if !f.Accept || !f.Drop || f.HTTPStatus != 500 || f.CallbackDelay != 30*time.Second {
		t.Fatalf("%+v", f)
	}
	b, _ := f.MarshalJSON()
	var back Failure
	if err := back.UnmarshalJSON(b); err != nil || back != f {
		t.Fatalf("round trip %s: %+v %v", b, back, err)
	}
}

func TestPeakPerSecond(t *testing.T) {
	t0 := time.Unix(0, 0)
	var msgs []SentMessage
	for i := range 3 { // 3 spread over 3 s, listed first: the order does not matter
		msgs = append(msgs, SentMessage{ReceivedAt: t0.Add(2*time.Second + time.Duration(i)*time.Second)})
	}
	for i := range 10 { // 10 in the first 0.5 s
		msgs = append(msgs, SentMessage{ReceivedAt: t0.Add(time.Duration(i) * 50 * time.Millisecond)})
	}
	if got := PeakPerSecond(msgs); got != 10 {
		t.Errorf("peak = %d, want 10", got)
	}
	if got := PeakPerSecond(nil); got != 0 {
		t.Errorf("peak of nothing = %d", got)
	}
}
