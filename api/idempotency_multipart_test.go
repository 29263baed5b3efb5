package api

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"
)

// multipartBody encodes parts with a fresh random boundary, as every
// client attempt does.
func multipartBody(t *testing.T, text string, file []byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("text", text)
	fw, err := w.CreateFormFile("file", "a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(file)
	_ = w.Close()
	return buf.String(), w.FormDataContentType()
}

// A multipart retry with another boundary is the same request; other
// contents under the same key are 422.
func TestIdempotencyKeyMultipartIgnoresTheBoundary(t *testing.T) {
	h := newIdemHarness(t, 0)
	post := func(text string, file []byte) idemAnswer {
		body, ctype := multipartBody(t, text, file)
		req, _ := http.NewRequest(http.MethodPost, h.base+"/things/1", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "Bearer t1")
		req.Header.Set(HeaderIdempotencyKey, "k-multipart")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return idemAnswer{status: resp.StatusCode, replayed: resp.Header.Get(headerReplayed) == "true"}
	}
	first := post("caption", []byte("%PDF-1 one"))
	again := post("caption", []byte("%PDF-1 one"))
	if first.status != http.StatusCreated || again.status != http.StatusCreated || !again.replayed || h.calls.Load() != 1 {
		t.Fatalf("first %+v, retry %+v, %d runs", first, again, h.calls.Load())
	}
	for _, c := range []struct {
		text string
		file string
	}{{"caption", "%PDF-1 two"}, {"other", "%PDF-1 one"}} {
		if a := post(c.text, []byte(c.file)); a.status != http.StatusUnprocessableEntity {
			t.Errorf("%q/%q under the same key: %+v, want 422", c.text, c.file, a)
		}
	}
}
