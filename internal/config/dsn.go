package config

import (
	"net/url"
	"slices"
	"strings"
)

// RedactDSN hides the password of a PostgreSQL connection string, in any of
// libpq's forms: a postgres:// URL (password in the user info or in the
// query), or key=value pairs with spaces around "=" and single-quoted
// values holding spaces, quotes and backslashes.
func RedactDSN(dsn string) string {
	if isURLDSN(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return "[redacted: unparsable URL]"
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "redacted")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "redacted")
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	pairs, ok := parseConninfo(dsn)
	if !ok {
		return "[redacted: unparsable DSN]"
	}
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		v := p.value
		if p.key == "password" {
			v = "redacted"
		}
		parts[i] = p.key + "=" + quoteConninfo(v)
	}
	return strings.Join(parts, " ")
}

// dsnPasswords returns the password of a connection string, as written and
// decoded (both may reach a log line), for log scrubbing.
func dsnPasswords(dsn string) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	if isURLDSN(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil
		}
		if pw, ok := u.User.Password(); ok {
			add(pw, url.PathEscape(pw), url.QueryEscape(pw))
		}
		add(u.Query().Get("password"))
		return out
	}
	pairs, _ := parseConninfo(dsn)
	for _, p := range pairs {
		if p.key == "password" {
			add(p.value, p.raw)
		}
	}
	return out
}

func isURLDSN(dsn string) bool {
	d := strings.TrimSpace(dsn)
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://") || strings.Contains(d, "://")
}

type conninfoPair struct {
	key   string
	value string // unquoted
	raw   string // as written (with its quotes)
}

// parseConninfo reads libpq's key = value form: whitespace around "=" is
// allowed; a value is either a run of non-space characters or single
// quoted, where \' and \\ stand for ' and \. It reports false when the
// string does not follow the form.
func parseConninfo(s string) ([]conninfoPair, bool) {
	var out []conninfoPair
	i := 0
	skip := func() {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
	}
	for {
		skip()
		if i >= len(s) {
			return out, true
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := strings.ToLower(s[start:i])
		skip()
		if i >= len(s) || s[i] != '=' || key == "" {
			return out, false
		}
		i++
		skip()
		rawStart := i
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			closed := false
			for i < len(s) {
				switch ch := s[i]; {
				case ch == '\\' && i+1 < len(s):
					val.WriteByte(s[i+1])
					i += 2
				case ch == '\'':
					i++
					closed = true
				default:
					val.WriteByte(ch)
					i++
				}
				if closed {
					break
				}
			}
			if !closed {
				return out, false
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
		}
		out = append(out, conninfoPair{key: key, value: val.String(), raw: s[rawStart:i]})
	}
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}

// quoteConninfo writes a value so that parseConninfo reads it back.
func quoteConninfo(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\f\v'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
