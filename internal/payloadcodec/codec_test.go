package payloadcodec

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/switchboard/switchboard/internal/secret"
)

const words = "Bonjour, mon numéro de carte est 4970 1012 3456 7890"

func mustCodec(t *testing.T, enc string, all ...string) *Codec {
	t.Helper()
	c, err := New(enc, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEverythingTheSDKWritesIsEncrypted: a value and an error go through
// the converters Switchboard gives the SDK; neither the text nor the error
// message is in what Temporal would store, and both come back intact.
func TestEverythingTheSDKWritesIsEncrypted(t *testing.T) {
	c := mustCodec(t, secret.GenerateKey())
	dc := DataConverter(c)
	p, err := dc.ToPayload(map[string]string{"body": words})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := protojson.Marshal(p)
	if bytes.Contains(raw, []byte("Bonjour")) || string(p.Metadata[MetadataEncoding]) != EncodingName {
		t.Fatalf("payload in clear: %s", raw)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil || back["body"] != words {
		t.Fatalf("round trip: %v %q", err, back)
	}

	fc := FailureConverter(dc)
	f := fc.ErrorToFailure(errors.New("Twilio refused: " + words))
	fraw, _ := protojson.Marshal(f)
	if bytes.Contains(fraw, []byte("Bonjour")) || bytes.Contains(fraw, []byte("Twilio refused")) {
		t.Fatalf("failure message in clear: %s", fraw)
	}
	if err := fc.FailureToError(f); err == nil || !strings.Contains(err.Error(), words) {
		t.Fatalf("failure round trip: %v", err)
	}
}

func TestDecodeReadsClearPayloadsAndPreviousKeys(t *testing.T) {
	oldKey, newKey := secret.GenerateKey(), secret.GenerateKey()
	clear, _ := converter.GetDefaultDataConverter().ToPayload(words)
	old := mustCodec(t, oldKey)
	encOld, err := old.Encode([]*commonpb.Payload{clear})
	if err != nil {
		t.Fatal(err)
	}
	rotated := mustCodec(t, newKey, oldKey)
	got, err := rotated.Decode([]*commonpb.Payload{clear, encOld[0]})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range got {
		if !bytes.Equal(p.Data, clear.Data) || string(p.Metadata["encoding"]) != "json/plain" {
			t.Fatalf("payload %d decoded to %q %v", i, p.Data, p.Metadata)
		}
	}
	// Encode never wraps twice.
	again, _ := rotated.Encode(encOld)
	if again[0] != encOld[0] {
		t.Fatal("an encrypted payload was encrypted again")
	}
	// A key nobody kept, and a tampered payload.
	if _, err := mustCodec(t, newKey).Decode(encOld); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	bad := &commonpb.Payload{Metadata: encOld[0].Metadata, Data: append([]byte(nil), encOld[0].Data...)}
	bad.Data[len(bad.Data)-1] ^= 1
	if _, err := old.Decode([]*commonpb.Payload{bad}); !errors.Is(err, ErrTampered) {
		t.Fatalf("tampered: %v", err)
	}
	// Decrypt-only (the previous key alone): reads encrypted, writes clear.
	readOnly := mustCodec(t, "", oldKey)
	if readOnly.Encrypts() {
		t.Fatal("a codec without SWITCHBOARD_PAYLOAD_KEY encrypts")
	}
	if out, _ := readOnly.Encode([]*commonpb.Payload{clear}); out[0] != clear {
		t.Fatal("decrypt-only codec changed a payload it writes")
	}
	if out, err := readOnly.Decode(encOld); err != nil || !bytes.Equal(out[0].Data, clear.Data) {
		t.Fatalf("decrypt-only codec cannot read: %v", err)
	}
}

// TestOpenCodecEndpointServesOnlyTheUIOrigin: the UI's origin gets CORS and
// an unauthenticated preflight; another origin, a form post and another
// namespace are refused.
func TestOpenCodecEndpointServesOnlyTheUIOrigin(t *testing.T) {
	c := mustCodec(t, secret.GenerateKey())
	srv := httptest.NewServer(Handler(c, "default", "http://127.0.0.1:8233"))
	defer srv.Close()
	clear, _ := converter.GetDefaultDataConverter().ToPayload(words)
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{clear}})

	call := func(method, path, origin, ctype, ns string, b []byte) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if ns != "" {
			req.Header.Set(HeaderNamespace, ns)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, out
	}
	resp, _ := call(http.MethodOptions, "/codec/decode", "http://127.0.0.1:8233", "", "", nil)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8233" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, enc := call(http.MethodPost, "/codec/encode", "http://127.0.0.1:8233", "application/json", "default", body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(enc, []byte("Bonjour")) {
		t.Fatalf("encode: %d %s", resp.StatusCode, enc)
	}
	resp, dec := call(http.MethodPost, "/codec/decode", "", "application/json", "", enc)
	var got commonpb.Payloads
	if resp.StatusCode != http.StatusOK || protojson.Unmarshal(dec, &got) != nil || !bytes.Equal(got.Payloads[0].Data, clear.Data) {
		t.Fatalf("decode: %d %s", resp.StatusCode, dec)
	}
	for _, tc := range []struct {
		what, origin, ctype, ns string
		want                    int
	}{
		{"another origin", "https://evil.example", "application/json", "", http.StatusForbidden},
		{"a form post (no preflight)", "", "text/plain", "", http.StatusUnsupportedMediaType},
		{"another namespace", "", "application/json", "prod", http.StatusBadRequest},
	} {
		if resp, _ := call(http.MethodPost, "/codec/decode", tc.origin, tc.ctype, tc.ns, enc); resp.StatusCode != tc.want ||
			resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: %d (CORS %q), want %d", tc.what, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), tc.want)
		}
	}
}
