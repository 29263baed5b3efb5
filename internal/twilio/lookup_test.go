package twilio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
)

const (
	emuSender   = "+14155550100"
	emuCustomer = "+33612345678"
)

// onEmulator is a Client talking to the Twilio emulator (one account, one
// sender), with the given per-call timeout.
func onEmulator(t *testing.T, timeout time.Duration) (*Client, *emulator.Emulator) {
	t.Helper()
	emu := emulator.New(emulator.Config{StatusCallbackDelay: time.Hour})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	emu.AddAccount(testSID, testToken)
	emu.ConfigureSender(testSID, emuSender, "")
	return NewClient(Config{APIBase: srv.URL, Timeout: timeout, Logger: slog.New(slog.DiscardHandler)}), emu
}

func lookupFor(body string, since, until time.Time) LookupRequest {
	return LookupRequest{Credentials: testCreds, From: emuSender, To: emuCustomer, Body: body, Since: since, Until: until}
}

// Every failure a send can meet, classified: ambiguous when Twilio may
// have created the message (a 5xx, no answer after the request went out),
// not when it cannot have (429, 4xx, a refused connection); and the
// lookup finds exactly the messages Twilio did create.
func TestAmbiguousSendFailuresAndTheLookup(t *testing.T) {
	cases := []struct {
		name      string
		failure   emulator.Failure
		kind      ErrorKind
		ambiguous bool
		created   bool
	}{
		{"accept, then 500", emulator.Failure{Accept: true, HTTPStatus: 500}, Retryable, true, true},
		{"accept, then the connection drops", emulator.Failure{Accept: true, Drop: true}, Retryable, true, true},
		{"accept, then time out", emulator.Failure{HoldAfterAccept: time.Minute}, Retryable, true, true},
		{"500, nothing created", emulator.Failure{HTTPStatus: 500}, Retryable, true, false},
		{"dropped before anything was created", emulator.Failure{Drop: true}, Retryable, true, false},
		{"time out before Twilio looked", emulator.Failure{Delay: time.Minute}, Retryable, true, false},
		{"429", emulator.Failure{HTTPStatus: 429}, Retryable, false, false},
		{"400 21211", emulator.Failure{HTTPStatus: 400, ErrorCode: 21211}, Final, false, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, emu := onEmulator(t, 500*time.Millisecond)
			tc.failure.Count = 1
			emu.InjectFailure(tc.failure)
			body := fmt.Sprintf("case %d", i)
			start := time.Now()
			_, err := send(t, c, SendRequest{From: emuSender, To: emuCustomer, Body: body})
			end := time.Now()
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind || e.Ambiguous != tc.ambiguous {
				t.Fatalf("err = %v (%+v), want kind %s, ambiguous %v", err, e, tc.kind, tc.ambiguous)
			}
			found, err := c.FindMessages(context.Background(), lookupFor(body, start, end))
			if err != nil {
				t.Fatal(err)
			}
			sent := emu.Messages()
			if !tc.created {
				if len(found) != 0 || len(sent) != 0 {
					t.Fatalf("found %+v, %d created", found, len(sent))
				}
				return
			}
			if len(found) != 1 || len(sent) != 1 || found[0].SID != sent[0].SID || found[0].Status != domain.StatusQueued {
				t.Fatalf("found %+v, created %+v", found, sent)
			}
		})
	}
}

// A connection refused never reached Twilio: retryable, not ambiguous.
func TestConnectionRefusedIsNotAmbiguous(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := NewClient(Config{APIBase: "http://" + addr, Timeout: time.Second, Logger: slog.New(slog.DiscardHandler)})
	_, err = send(t, c, SendRequest{From: emuSender, To: emuCustomer, Body: "x"})
	var e *Error
	if !errors.As(err, &e) || e.Kind != Retryable || e.Ambiguous {
		t.Fatalf("err = %v (%+v)", err, e)
	}
}

// The lookup matches sender, recipient, body and time window, pages back
// through a busy customer's history, skips another body, and matches a
// template on sender, recipient and time only.
func TestFindMessagesMatching(t *testing.T) {
	c, emu := onEmulator(t, 5*time.Second)
	ctx := context.Background()
	before := time.Now()
	target := "the one"
	if _, err := send(t, c, SendRequest{From: emuSender, To: emuCustomer, Body: target}); err != nil {
		t.Fatal(err)
	}
	created := time.Now()
	// 60 later messages: the target is on the second page.
	for i := range 60 {
		if _, err := send(t, c, SendRequest{From: emuSender, To: emuCustomer, Body: fmt.Sprint("later ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	found, err := c.FindMessages(ctx, lookupFor(" the one\r\n", before, created))
	if err != nil || len(found) != 1 || found[0].SID != emu.Messages()[0].SID {
		t.Fatalf("found %+v, %v", found, err)
	}
	if found, _ := c.FindMessages(ctx, lookupFor("the other", before, created)); len(found) != 0 {
		t.Fatalf("another body matched: %+v", found)
	}
	// A window that ended before the message (plus the slack) finds nothing.
	if found, _ := c.FindMessages(ctx, lookupFor(target, before.Add(-time.Minute), before.Add(-DateSlack-time.Second))); len(found) != 0 {
		t.Fatalf("outside the window: %+v", found)
	}
	tmpl := lookupFor("", before, created)
	tmpl.Template = true
	if found, _ := c.FindMessages(ctx, tmpl); len(found) < 1 || found[0].SID != emu.Messages()[0].SID {
		t.Fatalf("template lookup: %+v", found)
	}
	// Another account's credentials are refused: an error, not "nothing found".
	bad := lookupFor(target, before, created)
	bad.Credentials.AuthToken = "wrong"
	if _, err := c.FindMessages(ctx, bad); err == nil {
		t.Fatal("a refused lookup reported no message")
	}
	var e *Error
	if _, err := c.FindMessages(ctx, LookupRequest{Credentials: testCreds, From: "x", To: emuCustomer}); !errors.As(err, &e) || e.Kind != Final {
		t.Fatalf("bad From: %v", err)
	}
}
