package domain

import "strings"

// agentAuthorPrefix starts the author of an agent's messages.
const agentAuthorPrefix = "agent:"

// AgentAuthor is the author of an agent's messages and actions: "agent:<id>".
func AgentAuthor(agentID string) string { return agentAuthorPrefix + agentID }

// AuthorAgentID returns the agent of an "agent:<id>" author.
func AuthorAgentID(author string) (string, bool) {
	id, ok := strings.CutPrefix(author, agentAuthorPrefix)
	return id, ok && id != ""
}
