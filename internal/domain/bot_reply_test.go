package domain

import (
	"strings"
	"testing"
)

func TestBotInteractiveChoosesButtonsListOrText(t *testing.T) {
	opts := func(n int, title string) []BotButton {
		var bs []BotButton
		for i := range n {
			bs = append(bs, BotButton{Title: title + string(rune('A'+i)), Payload: "/p" + string(rune('a'+i))})
		}
		return bs
	}
	for _, c := range []struct {
		name, text string
		buttons    []BotButton
		kind       string // "" for numbered text
	}{
		{"three", "Pick", opts(3, "Option "), InteractiveButtons},
		{"four", "Pick", opts(4, "Option "), InteractiveList},
		{"ten", "Pick", opts(10, "Option "), InteractiveList},
		{"eleven", "Pick", opts(11, "Option "), ""},
		{"a title too long for a button", "Pick", opts(2, "A rather long title "), InteractiveList},
		{"too long for a list item", "Pick", opts(2, "A title far too long for any list "), ""},
		{"no text", "", opts(2, "Option "), ""},
		{"the same payload twice", "Pick", []BotButton{{Title: "A", Payload: "x"}, {Title: "B", Payload: "x"}}, ""},
	} {
		in, text := BotInteractive(c.text, c.buttons)
		switch {
		case c.kind == "" && (in != nil || !strings.Contains(text, "\n2. ") && !strings.HasPrefix(text, "1. ")):
			t.Errorf("%s: %+v %q, want numbered text", c.name, in, text)
		case c.kind != "" && (in == nil || in.Type != c.kind || text != ""):
			t.Errorf("%s: %+v %q, want %s", c.name, in, text, c.kind)
		}
	}
	bs := []BotButton{{Title: "Orders", Payload: "/orders"}, {Title: "Agent"}}
	for body, want := range map[string]string{"1": "/orders", " 2. ": "Agent", "agent": "Agent", "3": "", "0": "", "hello": ""} {
		if got := BotChoice(body, bs); got != want {
			t.Errorf("BotChoice(%q) = %q, want %q", body, got, want)
		}
	}
}
