package emulator

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
)

func TestSignMatchesTwilioGoValidator(t *testing.T) {
	const fullURL = "https://example.com:8443/webhooks/twilio?tenant=a&x=1"
	params := url.Values{
		"MessageSid": {"SM0123"},
		"From":       {"whatsapp:+33612345678"},
		"Body":       {"Hello & welcome, ça va?"},
		"NumMedia":   {"0"},
		"WaId":       {"33612345678"},
	}
	sig := Sign(testToken, fullURL, params)
	v := client.NewRequestValidator(testToken)
	flat := map[string]string{}
	for k := range params {
		flat[k] = params.Get(k)
	}
	if !v.Validate(fullURL, flat, sig) {
		t.Fatal("twilio-go rejected the signature")
	}
	if !v.ValidateBody(fullURL, []byte(params.Encode()), sig) {
		t.Fatal("twilio-go ValidateBody rejected the signature")
	}
	flat["Body"] = "Hello & welcome, ça va!"
	if v.Validate(fullURL, flat, sig) {
		t.Fatal("modified param accepted")
	}
	delete(flat, "Body")
	if v.Validate(fullURL, flat, sig) {
		t.Fatal("removed param accepted")
	}
	if v := client.NewRequestValidator("other"); v.ValidateBody(fullURL, []byte(params.Encode()), sig) {
		t.Fatal("wrong token accepted")
	}
	if v.ValidateBody("https://example.com:8443/webhooks/twilio", []byte(params.Encode()), sig) {
		t.Fatal("different URL accepted")
	}
}

func TestSignKnownVector(t *testing.T) {
	// The vector of twilio-go's own request_validator_test.go.
	params := url.Values{
		"Digits":                {"1234"},
		"CallSid":               {"CA1234567890ABCDE"},
		"To":                    {"+18005551212"},
		"Caller":                {"+14158675309"},
		"From":                  {"+14158675309"},
		"ReasonConferenceEnded": {"test"},
		"Reason":                {"Participant"},
	}
	got := Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)
	if want := "vOEb5UThFn24KEfnOFLQY2AE5FY="; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}
