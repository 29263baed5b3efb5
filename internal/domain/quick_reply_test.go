package domain

import (
	"slices"
	"testing"
)

func TestQuickReplyPlaceholders(t *testing.T) {
	text := "Hi {{customer.name}} / {{ customer.first_name }}, {{agent.first_name}} here ({{customer.nickname}}, {{customer.nickname}}, {{x}}) {{ not a placeholder"
	if got := UnknownPlaceholders(text); !slices.Equal(got, []string{"customer.nickname", "x"}) {
		t.Fatalf("unknown: %v", got)
	}
	got := RenderQuickReply(text, PlaceholderValues("Marie Curie", "+33612345678", "", "Ada Lovelace"))
	want := "Hi Marie Curie / Marie, Ada here ({{customer.nickname}}, {{customer.nickname}}, {{x}}) {{ not a placeholder"
	if got != want {
		t.Fatalf("rendered %q\nwant     %q", got, want)
	}
	if got := RenderQuickReply("{{customer.external_id}}|{{customer.phone}}", PlaceholderValues("", "+1555", "", "")); got != "|+1555" {
		t.Fatalf("empty values: %q", got)
	}
}

func TestNormalizeColor(t *testing.T) {
	for in, want := range map[string]string{"#AABBCC": "#aabbcc", " #0f0f0f ": "#0f0f0f", "red": "", "#abc": "", "#gggggg": ""} {
		got, ok := NormalizeColor(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeColor(%q) = %q, %v", in, got, ok)
		}
	}
}
