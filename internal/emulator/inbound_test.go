package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestSendInbound(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	rc := newReceiver(t, testToken)
	e.ConfigureSender(testSID, "whatsapp:"+testSender, rc.URL+"/twilio/inbound")
	png := []byte("\x89PNG\r\n\x1a\nfake")

	sid, code, err := e.SendInbound(testCtx(t), InboundRequest{
		From: testTo, To: testSender, Body: "Hello, I need help", ProfileName: "Alice",
		Media: []InboundMedia{{ContentType: "image/png", Data: png}},
		Extra: map[string]string{"OriginalRepliedMessageSid": "SMabc"},
	})
	if err != nil || code != http.StatusOK {
		t.Fatalf("SendInbound: %v, %d", err, code)
	}
	if !regexp.MustCompile(`^MM[0-9a-f]{32}$`).MatchString(sid) {
		t.Fatalf("sid %q", sid)
	}
	got := rc.wait(t, 1)[0]
	if !got.SigValid {
		t.Fatal("invalid signature")
	}
	f := got.Form
	want := map[string]string{
		"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": testSID,
		"From": "whatsapp:" + testTo, "To": "whatsapp:" + testSender, "Body": "Hello, I need help",
		"NumMedia": "1", "ProfileName": "Alice", "WaId": "33612345678", "SmsStatus": "received",
		"ApiVersion": "2010-04-01", "MediaContentType0": "image/png", "MessageType": "image",
		"OriginalRepliedMessageSid": "SMabc",
	}
	for k, v := range want {
		if f.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, f.Get(k), v)
		}
	}
	mediaURL := f.Get("MediaUrl0")
	if !strings.HasPrefix(mediaURL, srv.URL+"/2010-04-01/Accounts/"+testSID+"/Messages/"+sid+"/Media/ME") {
		t.Fatalf("MediaUrl0 = %q", mediaURL)
	}

	// Media requires the account's basic auth.
	resp, err := http.Get(mediaURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated media fetch: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, mediaURL, nil)
	req.SetBasicAuth(testSID, testToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, png) {
		t.Fatalf("media fetch: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	// Text message: SM sid, no media fields; the webhook's status is returned as is.
	rc.status = func(int) int { return http.StatusForbidden }
	sid, code, err = e.SendInbound(testCtx(t), InboundRequest{AccountSID: testSID, From: testTo, To: testSender, Body: "again"})
	if err != nil || code != http.StatusForbidden || !strings.HasPrefix(sid, "SM") {
		t.Fatalf("second inbound: %q %d %v", sid, code, err)
	}
	f = rc.wait(t, 2)[1].Form
	if f.Get("NumMedia") != "0" || f.Has("MediaUrl0") || f.Get("MessageType") != "text" {
		t.Fatalf("text inbound fields %v", f)
	}

	// Unknown sender and invalid customer number are errors.
	if _, _, err := e.SendInbound(testCtx(t), InboundRequest{From: testTo, To: "+15550001111", Body: "x"}); err == nil {
		t.Fatal("unknown sender accepted")
	}
	if _, _, err := e.SendInbound(testCtx(t), InboundRequest{From: "0612", To: testSender, Body: "x"}); err == nil {
		t.Fatal("invalid From accepted")
	}
}

func TestControlInboundAndThread(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	rc := newReceiver(t, testToken)
	e.ConfigureSender(testSID, testSender, rc.URL+"/in")

	payload, _ := json.Marshal(map[string]any{
		"account_sid": testSID, "from": testTo, "to": testSender, "body": "hi", "profile_name": "Bob",
		"media": []map[string]string{{"content_type": "text/plain", "data_base64": base64.StdEncoding.EncodeToString([]byte("doc"))}},
	})
	resp, err := http.Post(srv.URL+"/emulator/inbound", "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		MessageSID    string `json:"message_sid"`
		WebhookStatus int    `json:"webhook_status"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || out.WebhookStatus != 200 || out.MessageSID == "" {
		t.Fatalf("control inbound: %d %+v", resp.StatusCode, out)
	}
	if f := rc.wait(t, 1)[0].Form; f.Get("MessageType") != "document" || f.Get("ProfileName") != "Bob" {
		t.Fatalf("webhook %v", f)
	}

	postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "reply"))
	postMessage(t, srv.URL, testSID, testToken, sendForm("+447700900123", "someone else"))

	var sent []SentMessage
	getJSON(t, srv.URL+"/emulator/messages?to=whatsapp:"+testTo, &sent)
	if len(sent) != 1 || sent[0].Body != "reply" {
		t.Fatalf("messages?to= %+v", sent)
	}
	var thread []threadEntry
	getJSON(t, srv.URL+"/emulator/thread?customer="+strings.ReplaceAll(testTo, "+", "%2B"), &thread)
	if len(thread) != 2 || thread[0].Direction != "inbound" || thread[1].Direction != "outbound" ||
		thread[1].Body != "reply" || len(thread[0].Media) != 1 {
		t.Fatalf("thread %+v", thread)
	}
	resp, err = http.Get(srv.URL + "/emulator/" + thread[0].Media[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "doc" {
		t.Fatalf("page media %q", b)
	}
	var senders []senderJSON
	getJSON(t, srv.URL+"/emulator/senders", &senders)
	if len(senders) != 1 || senders[0].Sender != testSender {
		t.Fatalf("senders %+v", senders)
	}
}

func TestPhonePageAndNotFound(t *testing.T) {
	_, srv := newTestEmulator(t, Config{})
	resp, err := http.Get(srv.URL + "/emulator/phone")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(body), "<html") || strings.Contains(string(body), "src=\"http") {
		t.Fatalf("phone page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	resp, err = http.Get(srv.URL + "/2010-04-01/Accounts/" + testSID + "/Calls.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if te := decodeTwilioError(t, resp); resp.StatusCode != 404 || te.Code != 20404 || te.Status != 404 {
		t.Fatalf("404: %d %+v", resp.StatusCode, te)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
