package domain

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Agent limits.
const (
	MaxAgentCapacity = 50
	MaxProficiency   = 10
	MaxAgentSkills   = 100
	MaxSkillName     = 100
	MaxAgentName     = 200
)

// ValidPresence reports whether s is one of the four presences.
func ValidPresence(s string) bool {
	switch s {
	case PresenceAvailable, PresenceBusy, PresenceAway, PresenceOffline:
		return true
	}
	return false
}

// NormalizeAgent checks the agent rules that need no database and rewrites a
// in canonical form: name trimmed, email lower case, skill names trimmed and
// lower case, nil skills and queues as empty. That the queues exist is the
// store's to check. Errors carry CodeInvalid and name the field.
func NormalizeAgent(a *Agent) error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || utf8.RuneCountInString(a.Name) > MaxAgentName {
		return Errorf(CodeInvalid, "name is required (at most %d characters)", MaxAgentName)
	}
	email, err := NormalizeEmail(a.Email)
	if err != nil {
		return err
	}
	a.Email = email
	if a.Capacity < 0 || a.Capacity > MaxAgentCapacity {
		return Errorf(CodeInvalid, "capacity must be from 0 to %d, got %d", MaxAgentCapacity, a.Capacity)
	}
	if a.Skills, err = normalizeSkills(a.Skills); err != nil {
		return err
	}
	if a.QueueIDs == nil {
		a.QueueIDs = []string{}
	}
	seen := map[string]int{}
	for i, id := range a.QueueIDs {
		u, err := uuid.Parse(strings.TrimSpace(id))
		if err != nil {
			return Errorf(CodeInvalid, "queue_ids[%d]: queue %q does not exist", i, id)
		}
		a.QueueIDs[i] = u.String()
		if j, dup := seen[a.QueueIDs[i]]; dup {
			return Errorf(CodeInvalid, "queue_ids[%d]: queue %s is already queue_ids[%d]", i, a.QueueIDs[i], j)
		}
		seen[a.QueueIDs[i]] = i
	}
	if a.Presence == "" {
		a.Presence = PresenceOffline
	}
	if !ValidPresence(a.Presence) {
		return Errorf(CodeInvalid, "presence must be available, busy, away or offline, got %q", a.Presence)
	}
	if a.Role == "" {
		a.Role = RoleAgent
	}
	if a.Role != RoleAgent && a.Role != RoleSupervisor {
		return Errorf(CodeUnprocessable, "role must be agent or supervisor, got %q", a.Role)
	}
	return nil
}

// Agent roles: a supervisor is an agent who also watches and steers the
// queues it belongs to.
const (
	RoleAgent      = "agent"
	RoleSupervisor = "supervisor"
)

// IsSupervisor reports whether the agent has the supervisor role.
func (a Agent) IsSupervisor() bool { return a.Role == RoleSupervisor }

// NormalizeEmail validates a bare e-mail address (no display name) and
// returns it trimmed and in lower case, the form uniqueness is checked on.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	addr, err := mail.ParseAddress(s)
	if s == "" || err != nil || addr.Name != "" || addr.Address != s {
		return "", Errorf(CodeInvalid, "email must be an e-mail address such as ada@example.com, got %q", s)
	}
	return strings.ToLower(addr.Address), nil
}

func normalizeSkills(in map[string]int) (map[string]int, error) {
	if len(in) > MaxAgentSkills {
		return nil, Errorf(CodeInvalid, "skills: at most %d skills", MaxAgentSkills)
	}
	out := make(map[string]int, len(in))
	for name, level := range in {
		key := strings.ToLower(strings.TrimSpace(name))
		switch {
		case key == "":
			return nil, Errorf(CodeInvalid, "skills: a skill name is empty")
		case utf8.RuneCountInString(key) > MaxSkillName:
			return nil, Errorf(CodeInvalid, "skills: skill name %q is longer than %d characters", name, MaxSkillName)
		case level < 1 || level > MaxProficiency:
			return nil, Errorf(CodeInvalid, "skills.%s: proficiency must be from 1 to %d, got %d", key, MaxProficiency, level)
		}
		if _, dup := out[key]; dup {
			return nil, Errorf(CodeInvalid, "skills: %q is listed twice (skill names are case-insensitive)", key)
		}
		out[key] = level
	}
	return out, nil
}
