package emulator

import (
	"net/http"
	"testing"
)

func TestStatusCallbacksSignedAndOrdered(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	rc := newReceiver(t, testToken)
	form := sendForm(testTo, "Hello")
	form.Set("StatusCallback", rc.URL+"/twilio/status?tenant=demo")
	resp := postMessage(t, srv.URL, testSID, testToken, form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := rc.wait(t, 4)
	sid := e.Messages()[0].SID
	want := []string{"queued", "sent", "delivered", "read"}
	for i, r := range got {
		if !r.SigValid {
			t.Errorf("callback %d: invalid signature", i)
		}
		f := r.Form
		if f.Get("MessageStatus") != want[i] || f.Get("SmsStatus") != want[i] {
			t.Errorf("callback %d: status %q, want %q", i, f.Get("MessageStatus"), want[i])
		}
		if f.Get("MessageSid") != sid || f.Get("SmsSid") != sid || f.Get("AccountSid") != testSID ||
			f.Get("From") != "whatsapp:"+testSender || f.Get("To") != "whatsapp:"+testTo ||
			f.Get("ApiVersion") != "2010-04-01" || f.Get("ChannelPrefix") != "whatsapp" || f.Has("ErrorCode") {
			t.Errorf("callback %d: fields %v", i, f)
		}
	}
	if len(got) != 4 {
		t.Fatalf("got %d callbacks", len(got))
	}
	if m := e.Messages()[0]; m.Status != "read" {
		t.Fatalf("final status %q", m.Status)
	}
}

func TestStatusCallbackRetriesOn5xx(t *testing.T) {
	_, srv := newTestEmulator(t, Config{})
	rc := newReceiver(t, testToken)
	rc.status = func(n int) int {
		if n == 1 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	form := sendForm(testTo, "Hello")
	form.Set("StatusCallback", rc.URL+"/cb")
	postMessage(t, srv.URL, testSID, testToken, form)
	got := rc.wait(t, 5)
	statuses := []string{}
	for _, r := range got {
		statuses = append(statuses, r.Form.Get("MessageStatus"))
	}
	want := []string{"queued", "queued", "sent", "delivered", "read"}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
	if got[0].Header.Get("I-Twilio-Idempotency-Token") != got[1].Header.Get("I-Twilio-Idempotency-Token") {
		t.Fatal("retry changed the idempotency token")
	}
}
