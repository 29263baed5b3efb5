package twilio_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/twilio"
)

// CreateInteractiveContent speaks the Content API create call the
// emulator implements with Twilio's wire format; the SID it returns sends
// buttons or a list.
func TestCreateInteractiveContentAgainstTheEmulator(t *testing.T) {
	const sid, token, sender, to = "AC00000000000000000000000000000007", "0123456789abcdef0123456789abcdef", "+14155238886", "+33612345678"
	e := emulator.New(emulator.Config{})
	srv := httptest.NewServer(e.Handler())
	defer e.Close()
	defer srv.Close()
	e.SetPublicURL(srv.URL)
	e.AddAccount(sid, token)
	e.ConfigureSender(sid, sender, "")
	c := twilio.NewClient(twilio.Config{APIBase: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	creds := domain.Credentials{AccountSID: sid, AuthToken: token}
	ctx := context.Background()

	buttons := domain.Interactive{Type: domain.InteractiveButtons, Body: "Which size?", Options: []domain.InteractiveOption{
		{ID: "s", Title: "Small"}, {ID: "m", Title: "Medium"}, {ID: "l", Title: "Large"}}}
	list := domain.Interactive{Type: domain.InteractiveList, Body: "Pick a slot", Button: "Slots", Options: []domain.InteractiveOption{
		{ID: "mon-am", Title: "Monday morning", Description: "9:00 to 12:00"}, {ID: "tue-pm", Title: "Tuesday afternoon"}}}
	qrSID, err := c.CreateInteractiveContent(ctx, creds, buttons)
	if err != nil || !strings.HasPrefix(qrSID, "HX") {
		t.Fatalf("quick reply: %q %v", qrSID, err)
	}
	lpSID, err := c.CreateInteractiveContent(ctx, creds, list)
	if err != nil || !strings.HasPrefix(lpSID, "HX") || lpSID == qrSID {
		t.Fatalf("list picker: %q %v", lpSID, err)
	}
	all, err := c.ListContent(ctx, creds)
	if err != nil || len(all) != 2 || all[0].Body == "" {
		t.Fatalf("listed: %+v %v", all, err)
	}
	for _, s := range []string{qrSID, lpSID} {
		if _, err := c.Send(ctx, twilio.SendRequest{Credentials: creds, From: sender, To: to, ContentSID: s}); err != nil {
			t.Fatal(err)
		}
	}
	sent := e.Messages()
	if len(sent) != 2 || sent[0].ContentSID != qrSID || sent[1].ContentSID != lpSID {
		t.Fatalf("sent: %+v", sent)
	}

	// What Twilio refuses is a final error, not retried.
	four := buttons
	four.Options = append(four.Options, domain.InteractiveOption{ID: "xl", Title: "XL"})
	_, err = c.CreateInteractiveContent(ctx, creds, four)
	var te *twilio.Error
	if !errors.As(err, &te) || te.Kind != twilio.Final || te.HTTPStatus != 400 {
		t.Fatalf("four buttons: %v", err)
	}
	// Wrong credentials.
	if _, err := c.CreateInteractiveContent(ctx, domain.Credentials{AccountSID: sid, AuthToken: strings.Repeat("0", 32)}, buttons); err == nil {
		t.Fatal("bad token accepted")
	}
}
