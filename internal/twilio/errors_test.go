package twilio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
)

func TestSendErrorClassification(t *testing.T) {
	cases := []struct {
		name   string
		reply  func(http.ResponseWriter, *http.Request, seen)
		kind   ErrorKind
		status int
		code   int
	}{
		{"429", twilioError(429, 20429, "Too Many Requests"), Retryable, 429, 20429},
		{"500", twilioError(500, 20500, "Internal Server Error"), Retryable, 500, 20500},
		{"503 html", func(w http.ResponseWriter, _ *http.Request, _ seen) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(503)
			fmt.Fprint(w, "<html>Service Unavailable</html>")
		}, Retryable, 503, 0},
		{"400 21211", twilioError(400, 21211, "The 'To' number whatsapp:+15005550001 is not a valid phone number."), Final, 400, 21211},
		{"401 20003", twilioError(401, 20003, "Authenticate"), Final, 401, 20003},
		{"400 63016", twilioError(400, 63016, "Failed to send freeform message because you are outside the allowed window."), WindowClosed, 400, 63016},
		{"201 garbage", func(w http.ResponseWriter, _ *http.Request, _ seen) {
			w.WriteHeader(201)
			fmt.Fprint(w, "{not json")
		}, Final, 201, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.reply = tc.reply
			_, err := send(t, f.client(0), SendRequest{From: "+14155238886", To: "+15005550001", Body: "x"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if e.Kind != tc.kind || e.HTTPStatus != tc.status || e.Code != tc.code {
				t.Fatalf("got kind=%v status=%d code=%d (%v), want %v %d %d", e.Kind, e.HTTPStatus, e.Code, e, tc.kind, tc.status, tc.code)
			}
			if tc.code != 0 && e.MoreInfo != fmt.Sprintf("https://www.twilio.com/docs/errors/%d", tc.code) {
				t.Fatalf("MoreInfo = %q", e.MoreInfo)
			}
			if strings.Contains(e.Error(), testToken) {
				t.Fatal("error contains the auth token")
			}
			if n := f.n.Load(); n != 1 {
				t.Fatalf("%d requests, want exactly 1 (no hidden retries)", n)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := NewClient(Config{APIBase: "http://" + addr})
	_, err = send(t, c, SendRequest{From: "+14155238886", To: "+33612345678", Body: "x"})
	e := Classify(err)
	if e == nil || e.Kind != Retryable || e.HTTPStatus != 0 || !strings.Contains(e.Message, "network error") {
		t.Fatalf("err = %v", err)
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	f := newFake(t)
	f.reply = func(w http.ResponseWriter, r *http.Request, s seen) {
		select {
		case <-time.After(3 * time.Second):
			createdMessage(w, r, s)
		case <-r.Context().Done():
		}
	}
	start := time.Now()
	_, err := send(t, f.client(200*time.Millisecond), SendRequest{From: "+14155238886", To: "+33612345678", Body: "x"})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v, timeout not applied", d)
	}
	if e := Classify(err); e == nil || e.Kind != Retryable || !strings.Contains(e.Message, "timeout") {
		t.Fatalf("err = %v", err)
	}
}

func TestCallerContextCancels(t *testing.T) {
	f := newFake(t)
	f.reply = func(w http.ResponseWriter, r *http.Request, s seen) { <-r.Context().Done() }
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.client(0).Send(ctx, SendRequest{Credentials: testCreds, From: "+14155238886", To: "+33612345678", Body: "x"})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v, caller context ignored", d)
	}
	if e := Classify(err); e == nil || e.Kind != Retryable || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestClassify(t *testing.T) {
	if Classify(nil) != nil {
		t.Fatal("Classify(nil) != nil")
	}
	own := &Error{Kind: WindowClosed, Code: 63016}
	if Classify(fmt.Errorf("wrapped: %w", own)) != own {
		t.Fatal("own error not passed through")
	}
	rest := fmt.Errorf("ctx: %w", &client.TwilioRestError{Status: 400, Code: 21211, Message: "bad To", MoreInfo: "https://www.twilio.com/docs/errors/21211"})
	if e := Classify(rest); e.Kind != Final || e.Code != 21211 || e.HTTPStatus != 400 || e.MoreInfo == "" {
		t.Fatalf("rest error: %+v", e)
	}
	if e := Classify(&client.RestErrorV1{HttpStatusCode: 429, Code: 20429}); e.Kind != Retryable {
		t.Fatalf("v1 429: %+v", e)
	}
	if e := Classify(context.DeadlineExceeded); e.Kind != Retryable {
		t.Fatalf("deadline: %+v", e)
	}
	if e := Classify(errors.New("mystery")); e.Kind != Retryable {
		t.Fatalf("unknown: %+v", e)
	}
	if Classify(rest).Retryable() || !IsWindowClosed(own) || IsWindowClosed(rest) {
		t.Fatal("helpers")
	}
}
