package secret

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const token = "0123456789abcdef0123456789abcdef"

func mustBox(t *testing.T, keys ...string) *Box {
	t.Helper()
	b, err := NewBox(keys...)
	if err != nil {
		t.Fatalf("NewBox: %v", err)
	}
	return b
}

func TestRoundtrip(t *testing.T) {
	b := mustBox(t, GenerateKey())
	for _, plain := range []string{token, "", "é🙂"} {
		ct, err := b.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ct, "v1:") || strings.Contains(ct, plain) && plain != "" {
			t.Fatalf("unexpected ciphertext %q", ct)
		}
		got, err := b.Decrypt(ct)
		if err != nil || got != plain {
			t.Fatalf("Decrypt = %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := b.Encrypt(token)
	c, _ := b.Encrypt(token)
	if a == c {
		t.Fatal("two encryptions of the same plaintext are equal: nonce reuse")
	}
}

func TestKeyIDFormat(t *testing.T) {
	b := mustBox(t, GenerateKey())
	ct, _ := b.Encrypt(token)
	parts := strings.Split(ct, ":")
	if len(parts) != 3 || len(parts[1]) != 8 {
		t.Fatalf("ciphertext %q is not v1:<8 hex>:<payload>", ct)
	}
}

func TestTamper(t *testing.T) {
	b := mustBox(t, GenerateKey())
	ct, _ := b.Encrypt(token)
	parts := strings.SplitN(ct, ":", 3)
	raw, _ := base64.StdEncoding.DecodeString(parts[2])
	for i := range raw {
		mod := append([]byte(nil), raw...)
		mod[i] ^= 0x01
		bad := parts[0] + ":" + parts[1] + ":" + base64.StdEncoding.EncodeToString(mod)
		if _, err := b.Decrypt(bad); !errors.Is(err, ErrTampered) {
			t.Fatalf("flipping byte %d: err = %v, want ErrTampered", i, err)
		}
	}
	for _, bad := range []string{"", "plaintext", "v1:" + parts[1], "v2:" + parts[1] + ":" + parts[2], parts[0] + ":" + parts[1] + ":%%%", parts[0] + ":" + parts[1] + ":AAAA"} {
		if _, err := b.Decrypt(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decrypt(%q) err = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestWrongKey(t *testing.T) {
	ct, _ := mustBox(t, GenerateKey()).Encrypt(token)
	other := mustBox(t, GenerateKey())
	if _, err := other.Decrypt(ct); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	// A forged header naming the right key id still fails authentication.
	parts := strings.SplitN(ct, ":", 3)
	otherCT, _ := other.Encrypt(token)
	forged := "v1:" + strings.SplitN(otherCT, ":", 3)[1] + ":" + parts[2]
	if _, err := other.Decrypt(forged); !errors.Is(err, ErrTampered) {
		t.Fatalf("forged header: err = %v, want ErrTampered", err)
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := GenerateKey(), GenerateKey()
	old := mustBox(t, oldKey)
	owner := AccountOwner("acc-1")
	oldCT, _ := old.EncryptFor(token, owner)
	if old.NeedsRotation(oldCT) {
		t.Fatal("fresh ciphertext needs rotation")
	}

	rotated := mustBox(t, newKey, oldKey)
	got, err := rotated.DecryptFor(oldCT, owner)
	if err != nil || got != token {
		t.Fatalf("old ciphertext with rotated box: %q, %v", got, err)
	}
	if !rotated.NeedsRotation(oldCT) {
		t.Fatal("old ciphertext should need rotation")
	}
	newCT, _ := rotated.EncryptFor(got, owner)
	if rotated.NeedsRotation(newCT) {
		t.Fatal("re-encrypted ciphertext should not need rotation")
	}
	if _, err := old.DecryptFor(newCT, owner); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old box on new ciphertext: %v, want ErrUnknownKey", err)
	}
	if !rotated.NeedsRotation("not encrypted") {
		t.Fatal("plaintext value should need rotation")
	}
}

func TestKeyEncodings(t *testing.T) {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(250 + i) // produces + / in std and - _ in URL alphabets
	}
	ref := mustBox(t, base64.StdEncoding.EncodeToString(raw))
	ct, _ := ref.Encrypt(token)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b := mustBox(t, " "+enc.EncodeToString(raw)+"\n")
		if got, err := b.Decrypt(ct); err != nil || got != token {
			t.Fatalf("encoding %v: %q, %v", enc, got, err)
		}
	}
}

func TestBadKeys(t *testing.T) {
	good := GenerateKey()
	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	cases := []struct {
		keys []string
		want string
	}{
		{nil, "no key"},
		{[]string{""}, "key 1 of 1: is empty"},
		{[]string{"not base64!!"}, "key 1 of 1: is not valid base64"},
		{[]string{good, short}, "key 2 of 2: decodes to 16 bytes"},
	}
	for _, c := range cases {
		_, err := NewBox(c.keys...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewBox(%d keys) err = %v, want %q", len(c.keys), err, c.want)
			continue
		}
		for _, k := range c.keys {
			if k != "" && strings.Contains(err.Error(), k) {
				t.Errorf("error %q prints the key", err)
			}
		}
	}
	if b, err := NewBox(good, good); err != nil || len(b.keys) != 1 {
		t.Fatalf("duplicate key: %v", err)
	}
}

func TestNoKeyInString(t *testing.T) {
	k := GenerateKey()
	b := mustBox(t, k)
	if s := b.String() + b.GoString(); strings.Contains(s, k) {
		t.Fatal("String prints the key")
	}
}
