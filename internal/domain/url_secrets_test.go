package domain

import "testing"

func TestURLSecretsAreKeptOut(t *testing.T) {
	for in, want := range map[string]string{
		"https://bot.example/webhooks/rest/webhook?token=s3cr3t": "https://bot.example/webhooks/rest/webhook",
		"https://user:pw@bot.example:5005/hook?token=a&x=b#frag": "https://bot.example:5005/hook",
		"http://127.0.0.1:8081/bot/webhooks/rest/webhook":        "http://127.0.0.1:8081/bot/webhooks/rest/webhook",
		" https://bot.example/a%2Fb/hook?token=s3cr3t ":          "https://bot.example/a%2Fb/hook",
	} {
		if got := URLWithoutSecrets(in); got != want {
			t.Errorf("URLWithoutSecrets(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"https://bot.example/hook?token=s3cr3t&lang=fr": "https://bot.example/hook?token=[redacted]&lang=[redacted]",
		"https://rasa:pw@bot.example/hook":              "https://rasa:redacted@bot.example/hook",
	} {
		if got, ok := RedactURLSecrets(in); !ok || got != want {
			t.Errorf("RedactURLSecrets(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"https://bot.example/hook", "not a url ?x=y", "mailto:a@b.c?subject=x", "fr-FR"} {
		if got, ok := RedactURLSecrets(in); ok || got != in {
			t.Errorf("RedactURLSecrets(%q) changed it: %q", in, got)
		}
	}
}
