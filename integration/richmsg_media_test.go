package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/domain"
	"github.com/switchboard/switchboard/internal/emulator"
	"github.com/switchboard/switchboard/internal/secret"
)

// uploadFile posts a multipart file (and caption) to the agent's media
// route and returns the status and body.
func (s *stack) uploadFile(token, convID, filename, contentType string, data []byte, text, key string) (int, []byte) {
	s.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if text != "" {
		_ = w.WriteField("text", text)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", contentType)
	part, _ := w.CreatePart(h)
	_, _ = part.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, s.apiURL+"/api/v1/agent/conversations/"+convID+"/media", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// samplePDF is a small, real-looking PDF (content sniffing says application/pdf).
func samplePDF(n int) []byte {
	return append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("facture 42 "), n)...)
}

// TestAgentSendsAFileTwilioFetches: an agent uploads a PDF; it is stored,
// sent with a MediaUrl under the public base URL, and the emulator (as
// Twilio) fetches it anonymously and gets the exact bytes and type; the
// message reaches read. A retry with the same Idempotency-Key sends
// nothing more. Files WhatsApp would refuse, and workstreams that refuse
// agents' attachments, are 422 before anything is sent; a tampered or
// expired link answers 404 / 410.
func TestAgentSendsAFileTwilioFetches(t *testing.T) {
	t.Parallel()
	s := newStack(t, temporalAddr)
	queue := s.workstreamWith(domain.DistributionPush, map[string]any{"attachments": map[string]bool{"agent": true, "customer": true}})
	ada := s.newAgent("ada", domain.PresenceAvailable, 1, queue)
	s.customerSends(customerOne, "Ma facture ?")
	conv := s.openConversation(customerOne, "ada's conversation", assignedTo(ada.ID))

	pdf := samplePDF(3000) // 33 KB: over one read buffer
	status, raw := s.uploadFile(ada.Token, conv.ID, "facture-42.pdf", "application/pdf", pdf, "Votre facture", "upload-1")
	if status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, raw)
	}
	var msg domain.Message
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Body != "Votre facture" || len(msg.Media) != 1 || !strings.HasPrefix(msg.Media[0].URL, s.cfg.PublicURL("/media/")) || msg.TwilioSID == nil {
		t.Fatalf("message: %+v", msg)
	}
	// The same request again: the first answer, nothing sent twice.
	status, again := s.uploadFile(ada.Token, conv.ID, "facture-42.pdf", "application/pdf", pdf, "Votre facture", "upload-1")
	if status != http.StatusCreated || !bytes.Equal(again, raw) {
		t.Fatalf("retry: %d %s", status, again)
	}

	// Twilio (the emulator) fetched it without credentials: HEAD then GET.
	want := sha256.Sum256(pdf)
	var sent emulator.SentMessage
	eventually(t, 15*time.Second, "the emulator to fetch the media", func() bool {
		for _, m := range s.emu.Messages() {
			if m.SID == *msg.TwilioSID && len(m.MediaFetches) == 1 {
				sent = m
				return true
			}
		}
		return false
	})
	f := sent.MediaFetches[0]
	if f.Status != http.StatusOK || f.HeadStatus != http.StatusOK || f.ContentType != "application/pdf" ||
		f.SHA256 != hex.EncodeToString(want[:]) || f.Size != len(pdf) || f.Error != "" || f.URL != msg.Media[0].URL {
		t.Fatalf("the emulator got %+v", f)
	}
	if len(s.emu.Messages()) != 1 {
		t.Fatalf("Twilio got %d sends, want 1", len(s.emu.Messages()))
	}
	eventually(t, 15*time.Second, "the file message to be read", func() bool {
		for _, m := range s.messages(conv.ID) {
			if m.ID == msg.ID {
				return m.Status == domain.StatusRead
			}
		}
		return false
	})

	// Anyone holding the URL gets the file; a changed URL gets nothing.
	resp, err := http.Get(msg.Media[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "facture-42.pdf") {
		t.Fatalf("public GET: %d %v", resp.StatusCode, resp.Header)
	}
	parts := strings.Split(msg.Media[0].URL, "/") // .../media/{id}/{expires}/{sig}
	id, exp, sig := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	base := s.cfg.PublicURL("/media/")
	for name, u := range map[string]string{
		"signature": base + id + "/" + exp + "/" + strings.Repeat("A", len(sig)),
		"expiry":    base + id + "/9999999999/" + sig,
		"id":        base + "00000000-0000-4000-8000-000000000000/" + exp + "/" + sig,
	} {
		if st := getStatus(t, u); st != http.StatusNotFound {
			t.Errorf("tampered %s: %d, want 404", name, st)
		}
	}

	// Files WhatsApp would refuse: 422 UNSENDABLE, nothing sent.
	for _, c := range []struct {
		name, ctype string
		data        []byte
		says        string
	}{
		{"x.exe", "application/x-msdownload", []byte("MZ"), "does not take"},
		{"big.png", "image/png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5<<20)...), "5 MB"},
		{"fake.pdf", "application/pdf", []byte("<html>not a pdf</html>"), "content is text/html"},
		{"empty.pdf", "application/pdf", nil, "empty"},
	} {
		status, raw := s.uploadFile(ada.Token, conv.ID, c.name, c.ctype, c.data, "", "")
		var e apiError
		_ = json.Unmarshal(raw, &e)
		if status != http.StatusUnprocessableEntity || e.Error.Code != string(domain.CodeUnsendable) || !strings.Contains(e.Error.Message, c.says) {
			t.Errorf("%s: %d %s, want 422 UNSENDABLE saying %q", c.name, status, raw, c.says)
		}
	}
	// Over the route's limit (16 MiB + the envelope): 413 from the
	// announced length; 2 MiB elsewhere is still over the 1 MiB limit.
	if st, e := s.oversizedBy(t, "/api/v1/agent/conversations/"+conv.ID+"/media", 17<<20); st != http.StatusRequestEntityTooLarge {
		t.Errorf("17 MiB upload: %d %+v, want 413", st, e)
	}
	if st, e := s.oversizedBy(t, "/api/v1/agent/conversations/"+conv.ID+"/messages", 2<<20); st != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB on the messages route: %d %+v, want 413", st, e)
	}
	// A real 6 MB PDF (over the image limit, under 16 MB) goes through the
	// upload route's larger limit.
	big := samplePDF(6 << 20 / 11)
	if status, raw := s.uploadFile(ada.Token, conv.ID, "big.pdf", "application/pdf", big, "", ""); status != http.StatusCreated {
		t.Fatalf("6 MB PDF: %d %s", status, raw)
	}
	if n := len(s.emu.Messages()); n != 2 {
		t.Fatalf("refused files reached Twilio: %d sends, want 2", n)
	}

	// A workstream that refuses agents' attachments: 422 before storing.
	var convNow domain.Conversation
	s.admin(http.MethodGet, "/api/v1/conversations/"+conv.ID, nil, http.StatusOK, &convNow)
	var ws domain.Workstream
	s.admin(http.MethodGet, "/api/v1/workstreams/"+*convNow.WorkstreamID, nil, http.StatusOK, &ws)
	s.admin(http.MethodPatch, "/api/v1/workstreams/"+ws.ID, map[string]any{"attachments": map[string]bool{"agent": false, "customer": true}}, http.StatusOK, nil)
	status, raw = s.uploadFile(ada.Token, conv.ID, "facture.pdf", "application/pdf", pdf, "", "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(raw), string(domain.CodeAttachmentsOff)) {
		t.Fatalf("attachments off: %d %s", status, raw)
	}

	// A link whose time is over (signed like the real one): 410.
	box, err := secret.NewBox(s.cfg.SecretKeys...)
	if err != nil {
		t.Fatal(err)
	}
	if st := getStatus(t, s.cfg.PublicURL(api.MediaURLPath(box, id, time.Now().Add(-time.Minute)))); st != http.StatusGone {
		t.Fatalf("expired link: %d, want 410", st)
	}
	if st := getStatus(t, s.cfg.PublicURL(api.MediaURLPath(box, id, time.Now().Add(time.Hour)))); st != http.StatusOK {
		t.Fatalf("a fresh link to the same file: %d, want 200", st)
	}
}

func getStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
