package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sendAndHangUp posts a send and gives up after wait, as a crashing client.
func sendAndHangUp(t *testing.T, base string, wait time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/2010-04-01/Accounts/"+testSID+"/Messages.json",
		strings.NewReader(sendForm(testTo, "held").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testSID, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func waitHeld(t *testing.T, e *Emulator, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for e.Held() != n {
		if time.Now().After(deadline) {
			t.Fatalf("held = %d, want %d", e.Held(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A client that hangs up while a Delay holds its request sent nothing.
func TestDelayClientGoneSendsNothing(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	e.InjectFailure(Failure{Count: 1, Delay: time.Minute})
	done := make(chan error, 1)
	go func() { done <- sendAndHangUp(t, srv.URL, 300*time.Millisecond) }()
	waitHeld(t, e, 1)
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client: %v, want its deadline", err)
	}
	waitHeld(t, e, 0)
	if n := len(e.Messages()); n != 0 {
		t.Fatalf("%d messages created for a request the client abandoned during Delay", n)
	}
}

// HoldAfterAccept creates the message first: a client that hangs up never
// learns the SID, but the message exists and its callbacks are posted.
func TestHoldAfterAcceptClientGoneMessageExists(t *testing.T) {
	rc := newReceiver(t, testToken)
	e, srv := newTestEmulator(t, Config{})
	e.InjectFailure(Failure{To: testTo, Count: 1, HoldAfterAccept: time.Minute})
	done := make(chan error, 1)
	go func() { done <- sendAndHangUpWithCallback(t, srv.URL, rc.URL+"/status", 300*time.Millisecond) }()
	waitHeld(t, e, 1)
	msgs := e.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages while the answer is held, want 1", len(msgs))
	}
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client: %v, want its deadline", err)
	}
	got := rc.wait(t, 1)
	if got[0].Form.Get("MessageSid") != msgs[0].SID || !got[0].SigValid {
		t.Fatalf("callback %+v for %s", got[0], msgs[0].SID)
	}
	// The next send is not held.
	if resp := postMessage(t, srv.URL, testSID, testToken, sendForm(testTo, "next")); resp.StatusCode != http.StatusCreated {
		t.Fatalf("next send: %d", resp.StatusCode)
	}
}

func sendAndHangUpWithCallback(t *testing.T, base, callback string, wait time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	form := sendForm(testTo, "held")
	form.Set("StatusCallback", callback)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/2010-04-01/Accounts/"+testSID+"/Messages.json",
		strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testSID, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func TestFailureJSONHoldAfterAccept(t *testing.T) {
	in := Failure{To: testTo, Count: 2, Delay: time.Second, HoldAfterAccept: 1500 * time.Millisecond}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"hold_after_accept":"1.5s"`) {
		t.Fatalf("JSON %s", b)
	}
	var out Failure
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("round trip: %+v %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"hold_after_accept":"soon"}`), &out); err == nil {
		t.Fatal("a bad duration was accepted")
	}
}
