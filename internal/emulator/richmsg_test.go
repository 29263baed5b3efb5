package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func createContent(t *testing.T, base, user, pass, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/Content", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Quick replies and list pickers are created with Twilio's JSON, within
// WhatsApp's session limits, and offered on the phone's thread once sent.
func TestContentCreateQuickReplyAndListPicker(t *testing.T) {
	e, srv := newTestEmulator(t, Config{})
	st, qr := createContent(t, srv.URL, testSID, testToken, `{"friendly_name":"sb_q","language":"fr",
		"types":{"twilio/quick-reply":{"body":"Taille ?","actions":[{"title":"S","id":"s"},{"title":"M","id":"m"}]}}}`)
	sid, _ := qr["sid"].(string)
	if st != http.StatusCreated || !strings.HasPrefix(sid, "HX") || qr["account_sid"] != testSID {
		t.Fatalf("quick reply: %d %v", st, qr)
	}
	types := qr["types"].(map[string]any)["twilio/quick-reply"].(map[string]any)
	if types["body"] != "Taille ?" || len(types["actions"].([]any)) != 2 {
		t.Fatalf("types: %v", types)
	}
	st, lp := createContent(t, srv.URL, testSID, testToken, `{"language":"fr","types":{"twilio/list-picker":{"body":"Quel magasin ?",
		"button":"Choisir","items":[{"item":"Paris","id":"paris","description":"Rue de Rivoli"}]}}}`)
	if st != http.StatusCreated {
		t.Fatalf("list picker: %d %v", st, lp)
	}
	for name, body := range map[string]string{
		"4 buttons":   `{"language":"fr","types":{"twilio/quick-reply":{"body":"x","actions":[{"title":"a"},{"title":"b"},{"title":"c"},{"title":"d"}]}}}`,
		"long title":  `{"language":"fr","types":{"twilio/quick-reply":{"body":"x","actions":[{"title":"` + strings.Repeat("a", 21) + `"}]}}}`,
		"11 items":    `{"language":"fr","types":{"twilio/list-picker":{"body":"x","button":"b","items":[` + strings.Repeat(`{"item":"i","id":"i"},`, 10) + `{"item":"i","id":"i"}]}}}`,
		"no language": `{"types":{"twilio/text":{"body":"x"}}}`,
	} {
		if st, out := createContent(t, srv.URL, testSID, testToken, body); st != http.StatusBadRequest {
			t.Errorf("%s: %d %v, want 400", name, st, out)
		}
	}
	if st, _ := createContent(t, srv.URL, testSID, "wrong", `{}`); st != http.StatusUnauthorized {
		t.Errorf("bad credentials: %d", st)
	}

	form := url.Values{"To": {"whatsapp:" + testTo}, "From": {"whatsapp:" + testSender}, "ContentSid": {sid}}
	if resp := postMessage(t, srv.URL, testSID, testToken, form); resp.StatusCode != http.StatusCreated {
		t.Fatalf("send: %d", resp.StatusCode)
	}
	if v := e.interactiveOf(sid); v == nil || v.Type != "buttons" || len(v.Options) != 2 || v.Options[1].ID != "m" {
		t.Fatalf("offered: %+v", v)
	}
	if v := e.interactiveOf(lp["sid"].(string)); v == nil || v.Type != "list" || v.Button != "Choisir" || v.Options[0].Description != "Rue de Rivoli" {
		t.Fatalf("list offered: %+v", v)
	}
}

// Every local MediaUrl is downloaded like Twilio does (HEAD, GET, no
// credentials) and what came back is recorded; a URL that fails fails the
// message with 63019; a URL off this machine is never fetched.
func TestMediaUrlsAreFetched(t *testing.T) {
	pdf := []byte("%PDF-1.7 invoice")
	var heads, gets int
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Error("the media fetch sent credentials")
		}
		if r.URL.Path != "/invoice.pdf" {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodHead {
			heads++
		} else {
			gets++
		}
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(pdf)
	}))
	defer files.Close()
	e, srv := newTestEmulator(t, Config{})
	send := func(u string) string {
		form := url.Values{"To": {"whatsapp:" + testTo}, "From": {"whatsapp:" + testSender}, "MediaUrl": {u}}
		resp := postMessage(t, srv.URL, testSID, testToken, form)
		var res struct{ Sid string }
		_ = json.NewDecoder(resp.Body).Decode(&res)
		return res.Sid
	}
	ok, missing, remote := send(files.URL+"/invoice.pdf"), send(files.URL+"/gone.pdf"), send("https://93.184.215.14/x.pdf")
	final := map[string]SentMessage{}
	deadline := time.Now().Add(5 * time.Second)
	for len(final) < 3 && time.Now().Before(deadline) {
		for _, m := range e.Messages() {
			if m.Status == "read" || m.Status == "failed" {
				final[m.SID] = m
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	sum := sha256.Sum256(pdf)
	got := final[ok]
	if got.Status != "read" || len(got.MediaFetches) != 1 || got.MediaFetches[0].SHA256 != hex.EncodeToString(sum[:]) ||
		got.MediaFetches[0].ContentType != "application/pdf" || heads != 1 || gets != 1 {
		t.Fatalf("fetched: %+v (heads %d, gets %d)", got, heads, gets)
	}
	e.mu.Lock()
	item := e.media[got.MediaFetches[0].MediaSID]
	e.mu.Unlock()
	if item == nil || !bytes.Equal(item.data, pdf) {
		t.Fatal("the phone has no copy of the downloaded file")
	}
	if m := final[missing]; m.Status != "failed" || m.ErrorCode != 63019 || m.MediaFetches[0].Status != http.StatusNotFound {
		t.Fatalf("missing file: %+v", m)
	}
	if m := final[remote]; m.Status != "read" || !m.MediaFetches[0].Skipped {
		t.Fatalf("remote URL: %+v", m)
	}
}
