package devenv

import (
	"fmt"
	"strings"
	"unicode"
)

type kvPair struct{ key, val string }

// parseKV parses a libpq key=value connection string: values may be
// single-quoted, and backslash escapes the next character.
func parseKV(s string) ([]kvPair, error) {
	r := []rune(s)
	i := 0
	skip := func() {
		for i < len(r) && unicode.IsSpace(r[i]) {
			i++
		}
	}
	var out []kvPair
	for {
		skip()
		if i >= len(r) {
			return out, nil
		}
		start := i
		for i < len(r) && r[i] != '=' && !unicode.IsSpace(r[i]) {
			i++
		}
		key := string(r[start:i])
		skip()
		if i >= len(r) || r[i] != '=' || key == "" {
			return nil, fmt.Errorf("malformed DSN: expected key=value near %q", string(r[start:]))
		}
		i++
		skip()
		var val []rune
		if i < len(r) && r[i] == '\'' {
			for i++; ; i++ {
				if i >= len(r) {
					return nil, fmt.Errorf("malformed DSN: unterminated quote in %s", key)
				}
				if r[i] == '\\' && i+1 < len(r) {
					i++
				} else if r[i] == '\'' {
					i++
					break
				}
				val = append(val, r[i])
			}
		} else {
			for ; i < len(r) && !unicode.IsSpace(r[i]); i++ {
				if r[i] == '\\' && i+1 < len(r) {
					i++
				}
				val = append(val, r[i])
			}
		}
		out = append(out, kvPair{key, string(val)})
	}
}

// quoteKV quotes a key=value DSN value when needed.
func quoteKV(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\r\n'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
