package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSyncFailures(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	const other = "+447700900123"
	e.InjectFailure(Failure{To: "whatsapp:" + testTo, Count: 1, HTTPStatus: 429, ErrorCode: 20429})
	e.InjectFailure(Failure{To: testTo, Count: 1, HTTPStatus: 400, ErrorCode: 21211})

	resp := postMessage(t, srv.URL, testSID, testToken, sendForm(other, "unaffected"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("other recipient: %d", resp.StatusCode)
	}
	resp = postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "a"))
	if te := decodeTwilioError(t, resp); resp.StatusCode != 429 || te.Code != 20429 || te.Status != 429 {
		t.Fatalf("first: %d %+v", resp.StatusCode, te)
	}
	resp = postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "b"))
	if te := decodeTwilioError(t, resp); resp.StatusCode != 400 || te.Code != 21211 {
		t.Fatalf("second: %d %+v", resp.StatusCode, te)
	}
	resp = postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "c"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("third: %d (failures should be used up)", resp.StatusCode)
	}
	if n := len(e.Messages()); n != 2 {
		t.Fatalf("%d accepted, want 2", n)
	}

	e.InjectFailure(Failure{HTTPStatus: 500})
	for range 2 {
		resp = postMessage(t, srv.URL, testSID, testToken, sendForm(other, "x"))
		if te := decodeTwilioError(t, resp); resp.StatusCode != 500 || te.Code != 20500 {
			t.Fatalf("forever failure: %d %+v", resp.StatusCode, te)
		}
	}
	e.ClearFailures()
	if resp = postMessage(t, srv.URL, testSID, testToken, sendForm(other, "x")); resp.StatusCode != 201 {
		t.Fatalf("after clear: %d", resp.StatusCode)
	}
}

func TestDelayedAnswer(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	const delay = 150 * time.Millisecond
	e.InjectFailure(Failure{Count: 1, Delay: delay})
	start := time.Now()
	resp := postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "slow"))
	if took := time.Since(start); took < delay {
		t.Fatalf("answered after %v, want >= %v", took, delay)
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}

	// A client that gives up sees a timeout; nothing is recorded.
	e.InjectFailure(Failure{Count: 1, Delay: 2 * time.Second})
	cl := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/2010-04-01/Accounts/"+testSID+"/Messages.json",
		strings.NewReader(sendForm(testTo, "gave up").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testSID, testToken)
	if _, err := cl.Do(req); err == nil {
		t.Fatal("expected client timeout")
	}
	if n := len(e.Messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
}

func TestAsyncFailure(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	rc := newReceiver(t, testToken)
	e.InjectFailure(Failure{To: testTo, Count: 1, ErrorCode: 63016})
	form := sendForm(testTo, "outside the window")
	form.Set("StatusCallback", rc.URL+"/cb")
	resp := postMessage(t, srv.URL, testSID, testToken, form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := rc.wait(t, 2)
	if got[0].Form.Get("MessageStatus") != "queued" {
		t.Fatalf("first callback %v", got[0].Form)
	}
	last := got[1]
	if !last.SigValid || last.Form.Get("MessageStatus") != "failed" || last.Form.Get("ErrorCode") != "63016" ||
		last.Form.Get("ErrorMessage") == "" {
		t.Fatalf("failure callback %v (sig %v)", last.Form, last.SigValid)
	}
	msgs, err := e.WaitForMessages(testCtx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Status != "failed" || msgs[0].ErrorCode != 63016 {
		t.Fatalf("message %+v", msgs[0])
	}

	e.InjectFailure(Failure{Count: 1, ErrorCode: 63024})
	form.Set("Body", "bad recipient")
	postMessage(t, srv.URL, testSID, testToken, form)
	got = rc.wait(t, 4)
	if s := got[3].Form.Get("MessageStatus"); s != "undelivered" || got[3].Form.Get("ErrorCode") != "63024" {
		t.Fatalf("63024 callback %v", got[3].Form)
	}
}

func TestRatePerSender(t *testing.T) {
	e, srv := newTestEmulator(t, Config{RatePerSender: 2})
	codes := []int{}
	for range 3 {
		codes = append(codes, postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "x")).StatusCode)
	}
	if codes[0] != 201 || codes[1] != 201 || codes[2] != 429 {
		t.Fatalf("codes %v", codes)
	}
	if n := len(e.Messages()); n != 2 {
		t.Fatalf("%d accepted", n)
	}
}

func TestFailureControlAPI(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	resp, err := http.Post(srv.URL+"/emulator/failures", "application/json",
		strings.NewReader(`{"to":"+33612345678","count":2,"http_status":503,"error_code":20503,"delay":"10ms"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("inject: %d", resp.StatusCode)
	}
	fs := e.listFailures()
	if len(fs) != 1 || fs[0] != (Failure{To: testTo, Count: 2, HTTPStatus: 503, ErrorCode: 20503, Delay: 10 * time.Millisecond}) {
		t.Fatalf("failures %+v", fs)
	}
	b, _ := json.Marshal(fs[0])
	if !strings.Contains(string(b), `"delay":"10ms"`) {
		t.Fatalf("marshal %s", b)
	}
	resp, err = http.Post(srv.URL+"/emulator/failures", "application/json", strings.NewReader(`{"delay":"soon"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad delay: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/emulator/failures", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(e.listFailures()) != 0 {
		t.Fatalf("delete: %d, %d left", resp.StatusCode, len(e.listFailures()))
	}
}
