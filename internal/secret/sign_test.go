package secret

import "testing"

func TestSignVerifiesAcrossRotationAndPerPurpose(t *testing.T) {
	oldKey, newKey := GenerateKey(), GenerateKey()
	old := mustBox(t, oldKey)
	sig := old.Sign("media-url", "id|123")
	if !old.Verify("media-url", "id|123", sig) {
		t.Fatal("own signature refused")
	}
	for _, c := range []struct{ purpose, msg, sig string }{
		{"media-url", "id|124", sig},
		{"other", "id|123", sig},
		{"media-url", "id|123", sig[:len(sig)-1] + "A"},
		{"media-url", "id|123", "not base64!"},
		{"media-url", "id|123", ""},
	} {
		if c.sig != sig || c.purpose != "media-url" || c.msg != "id|123" {
			if old.Verify(c.purpose, c.msg, c.sig) {
				t.Errorf("Verify(%q, %q, %q) passed", c.purpose, c.msg, c.sig)
			}
		}
	}
	rotated := mustBox(t, newKey, oldKey)
	if !rotated.Verify("media-url", "id|123", sig) {
		t.Fatal("a signature of the previous key is refused while that key is listed")
	}
	if rotated.Sign("media-url", "id|123") == sig {
		t.Fatal("the new primary key signs like the old one")
	}
	if mustBox(t, newKey).Verify("media-url", "id|123", sig) {
		t.Fatal("a signature of a key no longer listed passes")
	}
}
