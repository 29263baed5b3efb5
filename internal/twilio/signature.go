package twilio

import (
	"net/url"
	"slices"
	"strings"

	"github.com/twilio/twilio-go/client"
)

// ValidateSignature checks X-Twilio-Signature for a form-encoded webhook:
// Base64(HMAC-SHA1(token, fullURL + sorted key+value pairs)). fullURL must be
// the URL exactly as Twilio called it (public base URL + path + query).
//
// Twilio's fields are single valued; a repeated field is signed the way
// Twilio's reference libraries do it (key+value for each distinct value, in
// sorted order), which twilio-go's map-based validator gets by joining the
// values with the key.
func ValidateSignature(authToken, fullURL string, form url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, vs := range form {
		switch len(vs) {
		case 0:
		case 1:
			params[k] = vs[0]
		default:
			vs = slices.Compact(slices.Sorted(slices.Values(vs)))
			params[k] = strings.Join(vs, k)
		}
	}
	v := client.NewRequestValidator(authToken)
	return v.Validate(fullURL, params, signature)
}
