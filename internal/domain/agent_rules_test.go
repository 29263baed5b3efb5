package domain

import (
	"strings"
	"testing"
)

const queueA = "0b6f7a52-0d0e-4d43-9d57-8d1c1b0e7f11"

func validAgent() Agent {
	return Agent{Name: " Ada ", Email: "Ada@Example.com", Capacity: 3,
		Skills: map[string]int{" Billing ": 7, "french": 10}, QueueIDs: []string{queueA}}
}

func TestNormalizeAgent(t *testing.T) {
	a := validAgent()
	if err := NormalizeAgent(&a); err != nil {
		t.Fatal(err)
	}
	if a.Name != "Ada" || a.Email != "ada@example.com" || a.Presence != PresenceOffline ||
		a.Skills["billing"] != 7 || a.Skills["french"] != 10 || len(a.Skills) != 2 {
		t.Fatalf("normalized: %+v", a)
	}
	if a.Role != RoleAgent || a.IsSupervisor() {
		t.Fatalf("default role: %q", a.Role)
	}
	empty := Agent{Name: "B", Email: "b@example.com"}
	if err := NormalizeAgent(&empty); err != nil || empty.Skills == nil || empty.QueueIDs == nil {
		t.Fatalf("empty skills and queues: %+v, %v", empty, err)
	}
}

func TestNormalizeAgentRole(t *testing.T) {
	a := validAgent()
	a.Role = RoleSupervisor
	if err := NormalizeAgent(&a); err != nil || !a.IsSupervisor() {
		t.Fatalf("supervisor: %+v, %v", a, err)
	}
	for _, role := range []string{"admin", "Supervisor", " agent"} {
		a := validAgent()
		a.Role = role
		if err := NormalizeAgent(&a); ErrorCode(err) != CodeUnprocessable || !strings.Contains(err.Error(), "role must be agent or supervisor") {
			t.Fatalf("role %q: %v, want UNPROCESSABLE_ENTITY", role, err)
		}
	}
}

func TestNormalizeAgentRules(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Agent)
		wantErr string
	}{
		{"name missing", func(a *Agent) { a.Name = "  " }, "name is required"},
		{"name too long", func(a *Agent) { a.Name = strings.Repeat("n", MaxAgentName+1) }, "name is required"},
		{"email missing", func(a *Agent) { a.Email = "" }, "email must be"},
		{"email invalid", func(a *Agent) { a.Email = "ada.example.com" }, "email must be"},
		{"email with a display name", func(a *Agent) { a.Email = "Ada <ada@example.com>" }, "email must be"},
		{"capacity negative", func(a *Agent) { a.Capacity = -1 }, "capacity must be from 0 to 50"},
		{"capacity too high", func(a *Agent) { a.Capacity = 51 }, "capacity must be from 0 to 50"},
		{"skill name empty", func(a *Agent) { a.Skills = map[string]int{" ": 3} }, "skill name is empty"},
		{"proficiency zero", func(a *Agent) { a.Skills = map[string]int{"billing": 0} }, "from 1 to 10"},
		{"proficiency eleven", func(a *Agent) { a.Skills = map[string]int{"billing": 11} }, "from 1 to 10"},
		{"skill twice", func(a *Agent) { a.Skills = map[string]int{"Billing": 2, "billing ": 3} }, "listed twice"},
		{"queue id malformed", func(a *Agent) { a.QueueIDs = []string{"nope"} }, `queue "nope" does not exist`},
		{"queue twice", func(a *Agent) { a.QueueIDs = []string{queueA, strings.ToUpper(queueA)} }, "is already queue_ids[0]"},
		{"presence unknown", func(a *Agent) { a.Presence = "lunch" }, "presence must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validAgent()
			tt.change(&a)
			err := NormalizeAgent(&a)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ErrorCode(err) != CodeInvalid {
				t.Fatalf("err = %v, want INVALID_ARGUMENT containing %q", err, tt.wantErr)
			}
		})
	}
	for _, p := range []string{PresenceAvailable, PresenceBusy, PresenceAway, PresenceOffline} {
		a := validAgent()
		a.Presence = p
		if err := NormalizeAgent(&a); err != nil {
			t.Errorf("presence %s: %v", p, err)
		}
	}
	edge := validAgent()
	edge.Capacity, edge.Skills = 0, map[string]int{"a": 1, "b": 10}
	if err := NormalizeAgent(&edge); err != nil {
		t.Errorf("capacity 0, proficiency 1 and 10: %v", err)
	}
}
