package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsHandoffKeyword reports whether a customer message asks for a human with
// the workstream's handoff keyword: the whole message, or the keyword as
// whole words inside it ("agent", " AGENT ", "I want an agent please",
// "l'agent ?"), ignoring case and runs of spaces; "agents" or "agentic" do
// not count. An empty keyword never matches. It is pure, so the workflow
// may call it directly.
func IsHandoffKeyword(message, keyword string) bool {
	kw := strings.Join(strings.Fields(strings.ToLower(keyword)), " ")
	if kw == "" {
		return false
	}
	msg := strings.Join(strings.Fields(strings.ToLower(message)), " ")
	if msg == kw {
		return true
	}
	first, _ := utf8.DecodeRuneInString(kw)
	last, _ := utf8.DecodeLastRuneInString(kw)
	for i := 0; i < len(msg); {
		j := strings.Index(msg[i:], kw)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(kw)
		before, _ := utf8.DecodeLastRuneInString(msg[:start])
		after, _ := utf8.DecodeRuneInString(msg[end:])
		// A boundary is only needed where a word character of the keyword
		// touches a word character of the message.
		okBefore := start == 0 || !(isWordRune(before) && isWordRune(first))
		okAfter := end == len(msg) || !(isWordRune(after) && isWordRune(last))
		if okBefore && okAfter {
			return true
		}
		_, size := utf8.DecodeRuneInString(msg[start:])
		i = start + size
	}
	return false
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}
