package domain

import (
	"strings"
	"testing"
)

func TestInteractiveValidate(t *testing.T) {
	buttons := func(titles ...string) Interactive {
		in := Interactive{Type: InteractiveButtons, Body: "Which size?"}
		for i, tt := range titles {
			in.Options = append(in.Options, InteractiveOption{ID: "o" + string(rune('a'+i)), Title: tt})
		}
		return in
	}
	list := func(n int) Interactive {
		in := Interactive{Type: InteractiveList, Body: "Pick a slot", Button: "Slots"}
		for i := range n {
			in.Options = append(in.Options, InteractiveOption{ID: "s" + string(rune('a'+i)), Title: "Slot", Description: "Morning"})
		}
		return in
	}
	ok := []Interactive{buttons("S", "M", "L"), buttons(strings.Repeat("é", 20)), list(10), list(1)}
	for _, in := range ok {
		if err := in.Validate(); err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
	}
	dup := buttons("S", "M")
	dup.Options[1].ID = dup.Options[0].ID
	longItem := list(2)
	longItem.Options[1].Title = strings.Repeat("x", 25)
	longDesc := list(2)
	longDesc.Options[0].Description = strings.Repeat("x", 73)
	noButton := list(2)
	noButton.Button = ""
	longButton := list(2)
	longButton.Button = strings.Repeat("x", 21)
	emptyID := buttons("S")
	emptyID.Options[0].ID = " "
	longBody := buttons("S")
	longBody.Body = strings.Repeat("x", 1025)
	descOnButton := buttons("S")
	descOnButton.Options[0].Description = "d"
	bad := map[string]Interactive{
		"interactive.options: 4 buttons":                  buttons("a", "b", "c", "d"),
		"interactive.options: 11 items":                   list(11),
		"interactive.options[0].title: 21":                buttons(strings.Repeat("x", 21)),
		"interactive.options[1].title: 25":                longItem,
		"interactive.options[0].description: 73":          longDesc,
		"interactive.options[1].id: \"oa\" is used twice": dup,
		"interactive.options[0].id: required":             emptyID,
		"interactive.button: a list needs":                noButton,
		"interactive.button: 21":                          longButton,
		"interactive.body: 1025":                          longBody,
		"interactive.body: required":                      {Type: InteractiveButtons, Options: buttons("S").Options},
		"interactive.type: \"carousel\"":                  {Type: "carousel", Body: "x"},
		"interactive.options: at least one":               {Type: InteractiveButtons, Body: "x"},
		"interactive.options[0].description: only list":   descOnButton,
	}
	for want, in := range bad {
		err := in.Validate()
		if err == nil || ErrorCode(err) != CodeUnsendable || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}

func TestInteractiveHashAndText(t *testing.T) {
	a := Interactive{Type: InteractiveButtons, Body: "Size?", Options: []InteractiveOption{{ID: "s", Title: "S"}, {ID: "m", Title: "M"}}}
	b := a
	b.Options = []InteractiveOption{{ID: "s", Title: "S"}, {ID: "m", Title: "M"}}
	if a.Hash() != b.Hash() || len(a.Hash()) != 64 {
		t.Fatalf("equal content, hashes %s %s", a.Hash(), b.Hash())
	}
	b.Options[1].Title = "Medium"
	if a.Hash() == b.Hash() {
		t.Fatal("different content, same hash")
	}
	if a.Text() != "Size?\n[S]\n[M]" || a.ContentType() != "twilio/quick-reply" || (Interactive{Type: InteractiveList}).ContentType() != "twilio/list-picker" {
		t.Fatalf("text %q type %s", a.Text(), a.ContentType())
	}
	if !a.Offers("m") || a.Offers("l") {
		t.Fatal("Offers")
	}
}
