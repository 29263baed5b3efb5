package emulator

import "testing"

func TestRenderContent(t *testing.T) {
	e := New(Config{})
	defer e.Close()
	e.AddContent("AC00000000000000000000000000000001", Content{
		SID: "HX00000000000000000000000000000001", Body: "Hello {{1}}, order {{ 2 }} ships {{3}}.",
		Variables: map[string]string{"2": "sample", "3": "today"},
	})
	got := e.renderContent("HX00000000000000000000000000000001", map[string]string{"1": "Marie", "2": "A-17"})
	if want := "Hello Marie, order A-17 ships today."; got != want {
		t.Fatalf("rendered %q, want %q", got, want)
	}
	if got := e.renderContent("HX00000000000000000000000000000002", nil); got != "" {
		t.Fatalf("unknown content rendered %q", got)
	}
	if got := e.renderContent("", nil); got != "" {
		t.Fatalf("no content rendered %q", got)
	}
}
