package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	twilio "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

var smSID = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func decodeTwilioError(t *testing.T, resp *http.Response) client.TwilioRestError {
	t.Helper()
	var e client.TwilioRestError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCreateMessageBasicAuth(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	for name, cred := range map[string][2]string{
		"no auth":     {"", ""},
		"bad token":   {testSID, "wrongwrongwrong"},
		"unknown sid": {"AC99999999999999999999999999999999", testToken},
	} {
		t.Run(name, func(t *testing.T) {
			resp := postMessage(t, srv.URL, cred[0], cred[1], sendForm(testTo, "hi"))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", resp.StatusCode)
			}
			if te := decodeTwilioError(t, resp); te.Code != 20003 || te.Status != 401 || te.MoreInfo == "" {
				t.Fatalf("error = %+v", te)
			}
		})
	}
	if n := len(e.Messages()); n != 0 {
		t.Fatalf("%d messages recorded after auth failures", n)
	}

	form := sendForm(testTo, "Hello")
	form.Set("StatusCallback", "https://example.invalid/cb")
	resp := postMessage(t, srv.URL, testSID, testToken, form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201", resp.StatusCode)
	}
	var m openapi.ApiV2010Message
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if !smSID.MatchString(*m.Sid) || *m.AccountSid != testSID || *m.To != "whatsapp:"+testTo ||
		*m.From != "whatsapp:"+testSender || *m.Body != "Hello" || *m.Status != "queued" ||
		*m.Direction != "outbound-api" || *m.ApiVersion != "2010-04-01" || *m.NumMedia != "0" ||
		*m.NumSegments != "1" || m.ErrorCode != nil || m.ErrorMessage != nil || m.Price != nil {
		b, _ := json.Marshal(m)
		t.Fatalf("unexpected message: %s", b)
	}
	if *m.Uri != "/2010-04-01/Accounts/"+testSID+"/Messages/"+*m.Sid+".json" {
		t.Fatalf("uri = %s", *m.Uri)
	}
	if _, ok := (*m.SubresourceUris)["media"]; !ok {
		t.Fatal("no media subresource uri")
	}
	if _, err := time.Parse(time.RFC1123Z, *m.DateCreated); err != nil {
		t.Fatalf("date_created %q: %v", *m.DateCreated, err)
	}
	sent := e.Messages()
	if len(sent) != 1 || sent[0].SID != *m.Sid || !sent[0].BasicAuthOK ||
		sent[0].StatusCallback != "https://example.invalid/cb" {
		t.Fatalf("Messages() = %+v", sent)
	}
}

func TestCreateMessageValidation(t *testing.T) {
	_, srv := newTestEmulator(t, Config{})
	cases := []struct {
		name string
		form url.Values
		code int
	}{
		{"missing To", url.Values{"From": {"whatsapp:" + testSender}, "Body": {"x"}}, 21604},
		{"missing From", url.Values{"To": {"whatsapp:" + testTo}, "Body": {"x"}}, 21603},
		{"invalid To", sendForm("+12", "x"), 21211},
		{"To without channel", url.Values{"To": {testTo}, "From": {"whatsapp:" + testSender}, "Body": {"x"}}, 21910},
		{"unknown From", url.Values{"To": {"whatsapp:" + testTo}, "From": {"whatsapp:+15550001111"}, "Body": {"x"}}, 63007},
		{"no content", sendForm(testTo, ""), 21619},
		{"bad ContentVariables", url.Values{"To": {"whatsapp:" + testTo}, "From": {"whatsapp:" + testSender},
			"ContentSid": {"HX1"}, "ContentVariables": {"{1:"}}, 21656},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := postMessage(t, srv.URL, testSID, testToken, c.form)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", resp.StatusCode)
			}
			if te := decodeTwilioError(t, resp); te.Code != c.code || te.Status != 400 {
				t.Fatalf("error = %+v, want code %d", te, c.code)
			}
		})
	}
}

// baseURLClient is the recipe documented in emulator.go for pointing twilio-go at
// the emulator.
type baseURLClient struct {
	*client.Client
	base string
}

func (c baseURLClient) SendRequest(method, rawURL string, data url.Values,
	headers map[string]interface{}, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	return c.Client.SendRequest(method, c.base+u.RequestURI(), data, headers, body...)
}

func newTwilioGo(base, sid, token string) *twilio.RestClient {
	cl := &client.Client{Credentials: client.NewCredentials(sid, token)}
	cl.SetAccountSid(sid)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: baseURLClient{Client: cl, base: base}})
}

func TestTwilioGoClient(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	rc := newTwilioGo(srv.URL, testSID, testToken)

	params := &openapi.CreateMessageParams{}
	params.SetTo("whatsapp:" + testTo)
	params.SetFrom("whatsapp:" + testSender)
	params.SetContentSid("HX0123456789abcdef0123456789abcdef")
	params.SetContentVariables(`{"1":"Alice","2":"3pm"}`)
	params.SetMediaUrl([]string{"https://example.com/a.png"})
	m, err := rc.Api.CreateMessage(params)
	if err != nil {
		t.Fatal(err)
	}
	if !smSID.MatchString(*m.Sid) || *m.Status != "queued" || *m.NumMedia != "1" {
		t.Fatalf("created %+v", m)
	}
	sent := e.Messages()
	if len(sent) != 1 || sent[0].ContentSID != "HX0123456789abcdef0123456789abcdef" ||
		sent[0].ContentVariables["2"] != "3pm" || len(sent[0].MediaURLs) != 1 {
		t.Fatalf("recorded %+v", sent)
	}

	// Fetch follows the lifecycle to read.
	deadline := time.Now().Add(3 * time.Second)
	for {
		f, err := rc.Api.FetchMessage(*m.Sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *f.Status == "read" {
			if f.DateSent == nil {
				t.Fatal("date_sent not set after sent")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status stuck at %s", *f.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Errors decode into twilio-go's TwilioRestError.
	bad := newTwilioGo(srv.URL, testSID, "badtoken")
	_, err = bad.Api.CreateMessage(params)
	var te *client.TwilioRestError
	if !errors.As(err, &te) || te.Code != 20003 || te.Status != 401 {
		t.Fatalf("bad token: %v", err)
	}
	if _, err := rc.Api.FetchMessage("SM00000000000000000000000000000000", nil); !errors.As(err, &te) || te.Code != 20404 {
		t.Fatalf("unknown sid: %v", err)
	}
}

func TestWaitForMessages(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	done := make(chan []SentMessage, 1)
	ctx := testCtx(t)
	go func() {
		msgs, err := e.WaitForMessages(ctx, 2)
		if err != nil {
			t.Error(err)
		}
		done <- msgs
	}()
	postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "one"))
	postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "two"))
	msgs := <-done
	if len(msgs) != 2 || msgs[0].Body != "one" || msgs[1].Body != "two" {
		t.Fatalf("got %+v", msgs)
	}
	ctx, cancel := contextWithCancel()
	cancel()
	if _, err := e.WaitForMessages(ctx, 3); err == nil {
		t.Fatal("expected context error")
	}
}
