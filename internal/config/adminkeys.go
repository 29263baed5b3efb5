package config

import "regexp"

// AdminCredential is one accepted admin key and the label audit rows record
// for whoever uses it ("admin" when the key has no label).
type AdminCredential struct {
	Label string
	Key   string
}

var adminLabelRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)

// ParseAdminKey reads one SWITCHBOARD_ADMIN_KEY entry: "key" or "label:key".
// The label names the key's holder in the audit log, so that after a
// rotation one can tell which key made a change.
func ParseAdminKey(entry string) AdminCredential {
	for i := 0; i < len(entry); i++ {
		if entry[i] == ':' {
			if label := entry[:i]; adminLabelRE.MatchString(label) {
				return AdminCredential{Label: label, Key: entry[i+1:]}
			}
			break
		}
	}
	return AdminCredential{Label: "admin", Key: entry}
}

// AdminCredentials lists every accepted admin key: AdminKeys, plus AdminKey
// when it is not among them (dev and tests set AdminKey alone).
func (c Config) AdminCredentials() []AdminCredential {
	var out []AdminCredential
	seen := map[string]bool{}
	for _, e := range c.AdminKeys {
		k := ParseAdminKey(e)
		if k.Key != "" && !seen[k.Key] {
			seen[k.Key] = true
			out = append(out, k)
		}
	}
	if c.AdminKey != "" && !seen[c.AdminKey] {
		out = append(out, AdminCredential{Label: "admin", Key: c.AdminKey})
	}
	return out
}
