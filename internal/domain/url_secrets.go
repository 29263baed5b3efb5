package domain

import (
	"net/url"
	"strings"
)

// URLWithoutSecrets is a URL without what may carry a credential: its
// query (Rasa takes its token there), its user info and its fragment. The
// workflows keep this form of a bot's URL, so that a token never lands in
// Temporal's history; the activity that calls the bot reads the whole URL
// from PostgreSQL. A value that does not parse comes back empty.
func URLWithoutSecrets(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}

// RedactURLSecrets keeps a URL readable for the audit log with the value of
// every query parameter and the password replaced by [redacted]. It
// reports false when s is not an http(s) URL with something to redact.
func RedactURLSecrets(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, false
	}
	_, hasPassword := u.User.Password()
	if u.RawQuery == "" && !hasPassword && u.Fragment == "" {
		return s, false
	}
	out := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	if u.User != nil {
		out.User = url.User(u.User.Username())
		if hasPassword {
			out.User = url.UserPassword(u.User.Username(), "redacted")
		}
	}
	str := out.String()
	if u.RawQuery != "" {
		var parts []string
		for _, kv := range strings.Split(u.RawQuery, "&") {
			k, _, _ := strings.Cut(kv, "=")
			parts = append(parts, k+"=[redacted]")
		}
		str += "?" + strings.Join(parts, "&")
	}
	return str, true
}
