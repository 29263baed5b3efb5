package domain

import (
	"slices"
	"strings"
	"testing"
)

func TestParsePlaceholders(t *testing.T) {
	tests := []struct {
		body    string
		want    []int
		wantErr string
	}{
		{body: "Hello", want: []int{}},
		{body: "", want: []int{}},
		{body: "Hello {{1}}", want: []int{1}},
		{body: "{{2}} then {{1}}", want: []int{1, 2}},
		{body: "{{1}} and {{1}} again, {{2}}", want: []int{1, 2}},
		{body: "{{1}}{{2}}{{3}}{{4}}{{5}}{{6}}{{7}}{{8}}{{9}}{{10}}", want: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{body: "a { single } brace and }} stray {{ ones", want: []int{}},
		{body: "{{{1}}}", want: []int{1}},
		{body: "{{2}}", wantErr: "{{1}} is missing"},
		{body: "{{1}} {{3}}", wantErr: "{{2}} is missing"},
		{body: "{{0}}", wantErr: "invalid placeholder"},
		{body: "{{01}}", wantErr: "invalid placeholder"},
		{body: "{{ 1 }}", wantErr: "invalid placeholder"},
		{body: "{{name}}", wantErr: "invalid placeholder"},
		{body: "{{}}", wantErr: "invalid placeholder"},
		{body: "{{-1}}", wantErr: "invalid placeholder"},
		{body: "{{101}}", wantErr: "invalid placeholder"},
		{body: "{{99999999999999999999}}", wantErr: "invalid placeholder"},
	}
	for _, tt := range tests {
		got, err := ParsePlaceholders(tt.body)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ErrorCode(err) != CodeInvalid {
				t.Errorf("ParsePlaceholders(%q) = %v, %v; want error containing %q", tt.body, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParsePlaceholders(%q) = %v, %v; want %v", tt.body, got, err, tt.want)
		}
	}
}

func TestRenderTemplate(t *testing.T) {
	long := strings.Repeat("é", MaxTemplateVariable)
	tests := []struct {
		name    string
		body    string
		vars    []string
		want    string
		wantErr string
	}{
		{name: "no placeholders", body: "Hello", want: "Hello"},
		{name: "one", body: "Hello {{1}}!", vars: []string{"Marie"}, want: "Hello Marie!"},
		{name: "out of order and repeated", body: "{{2}}: {{1}}, {{2}}", vars: []string{"a", "b"}, want: "b: a, b"},
		{name: "no second expansion", body: "{{1}} {{2}}", vars: []string{"{{2}}", "x"}, want: "{{2}} x"},
		{name: "longest variable", body: "{{1}}", vars: []string{long}, want: long},
		{name: "inner newline kept", body: "{{1}}", vars: []string{"a\nb"}, want: "a\nb"},
		{name: "too few", body: "{{1}} {{2}}", vars: []string{"a"}, wantErr: "takes 2 variable(s), got 1"},
		{name: "too many", body: "{{1}}", vars: []string{"a", "b"}, wantErr: "takes 1 variable(s), got 2"},
		{name: "variables without placeholders", body: "Hi", vars: []string{"a"}, wantErr: "takes 0 variable(s), got 1"},
		{name: "empty variable", body: "{{1}}", vars: []string{""}, wantErr: "variables[0] is empty"},
		{name: "newlines only", body: "{{1}} {{2}}", vars: []string{"a", "\n\n"}, wantErr: "variables[1] is empty"},
		{name: "spaces only", body: "{{1}}", vars: []string{" \t "}, wantErr: "variables[0] is empty"},
		{name: "too long", body: "{{1}}", vars: []string{long + "x"}, wantErr: "longer than 1024"},
		{name: "invalid utf-8", body: "{{1}}", vars: []string{"\xff"}, wantErr: "UTF-8"},
		{name: "invalid body", body: "{{1}} {{3}}", vars: []string{"a", "b"}, wantErr: "{{2}} is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderTemplate(tt.body, tt.vars)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ErrorCode(err) != CodeTemplateInvalid {
					t.Fatalf("RenderTemplate = %q, %v; want TEMPLATE_INVALID containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("RenderTemplate = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestTemplateVariant(t *testing.T) {
	tmpl := Template{Name: "greet", DefaultLanguage: "en", Variants: []TemplateVariant{
		{Language: "en", Body: "Hi"}, {Language: "fr", Body: "Salut"}, {Language: "pt-BR", Body: "Oi"},
	}}
	tests := []struct{ lang, want string }{
		{"", "en"},
		{"en", "en"},
		{"fr", "fr"},
		{"FR", "fr"},
		{"fr-CA", "fr"},
		{"fr_ca", "fr"},
		{"pt-BR", "pt-BR"},
		{"pt-br", "pt-BR"},
		{"pt-PT", "en"}, // the base pt has no variant; pt-BR is not pt-PT
		{"de", "en"},
		{"not a language", "en"},
	}
	for _, tt := range tests {
		v, ok := tmpl.Variant(tt.lang)
		if !ok || v.Language != tt.want {
			t.Errorf("Variant(%q) = %q, %v; want %q", tt.lang, v.Language, ok, tt.want)
		}
	}
	broken := Template{DefaultLanguage: "de", Variants: []TemplateVariant{{Language: "en"}}}
	if v, ok := broken.Variant("es"); ok {
		t.Errorf("Variant without a default variant = %+v, want none", v)
	}
}

func TestVariantUsable(t *testing.T) {
	for status, want := range map[string]bool{"": true, "approved": true, "pending": false, "rejected": false, "paused": false} {
		if got := (TemplateVariant{ApprovalStatus: status}).Usable(); got != want {
			t.Errorf("Usable(%q) = %v, want %v", status, got, want)
		}
	}
}

func TestCanonicalLanguage(t *testing.T) {
	good := map[string]string{"en": "en", "en-us": "en-US", "EN_us": "en-US", "fr-CA": "fr-CA", "zh-hant-tw": "zh-Hant-TW", "es-419": "es-419", " de ": "de"}
	for in, want := range good {
		if got, err := CanonicalLanguage(in); err != nil || got != want {
			t.Errorf("CanonicalLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "und", "xx", "english", "en-", "123", strings.Repeat("a", 40)} {
		if got, err := CanonicalLanguage(in); err == nil {
			t.Errorf("CanonicalLanguage(%q) = %q, want an error", in, got)
		}
	}
}

// FuzzRenderTemplate checks RenderTemplate against its contract on any body
// and variables (joined with \x1f): it never panics, succeeds exactly when
// the body is valid and the variables fit, replaces every placeholder once,
// and is deterministic.
func FuzzRenderTemplate(f *testing.F) {
	seeds := []struct{ body, vars string }{
		{"Hello {{1}}", "Marie"},
		{"{{1}} {{2}} {{1}}", "a\x1fb"},
		{"{{2}} {{1}}", "{{2}}\x1f{{1}}"},
		{"No placeholders", ""},
		{"{{1}} {{3}}", "a\x1fb\x1fc"},
		{"{{{1}}}", "x"},
		{"{{0}}", "x"},
		{"{{1}}", "\n"},
		{"{{1}}", ""},
		{"Bonjour {{1}}, votre commande {{2}} arrive le {{3}}.", "Zoé\x1f#4521\x1f3 mai"},
	}
	for _, s := range seeds {
		f.Add(s.body, s.vars)
	}
	f.Fuzz(func(t *testing.T, body, joined string) {
		var vars []string
		if joined != "" {
			vars = strings.Split(joined, "\x1f")
		}
		out, err := RenderTemplate(body, vars)
		nums, perr := ParsePlaceholders(body)
		varsOK := perr == nil && len(vars) == len(nums)
		for _, v := range vars {
			varsOK = varsOK && validVariable(v)
		}
		if (err == nil) != varsOK {
			t.Fatalf("RenderTemplate(%q, %q) err = %v; parse err %v, placeholders %v", body, vars, err, perr, nums)
		}
		if err != nil {
			if ErrorCode(err) != CodeTemplateInvalid {
				t.Fatalf("error code %s, want TEMPLATE_INVALID", ErrorCode(err))
			}
			return
		}
		// Every placeholder occurrence was replaced by exactly its variable.
		want := len(body)
		for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
			n, _ := placeholderNumber(m[1])
			want += len(vars[n-1]) - len(m[0])
		}
		if len(out) != want {
			t.Fatalf("RenderTemplate(%q, %q) = %q: length %d, want %d", body, vars, out, len(out), want)
		}
		for _, v := range vars {
			if !strings.Contains(out, v) {
				t.Fatalf("RenderTemplate(%q, %q) = %q: variable %q missing", body, vars, out, v)
			}
		}
		if again, _ := RenderTemplate(body, vars); again != out {
			t.Fatalf("not deterministic: %q then %q", out, again)
		}
	})
}

func validVariable(v string) bool {
	if strings.TrimSpace(v) == "" || len([]rune(v)) > MaxTemplateVariable {
		return false
	}
	return strings.ToValidUTF8(v, "") == v
}
