package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestAdminKeysFromEnv(t *testing.T) {
	t.Setenv("SWITCHBOARD_SECRET_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	t.Setenv("DATABASE_URL", "postgres://u@localhost/db")
	t.Setenv("SWITCHBOARD_PAYLOAD_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	t.Setenv("SWITCHBOARD_ADMIN_KEY", " old-key-0123456789abcdef0123456789 , ci:new-key-0123456789abcdef0123456789,")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminKey != "old-key-0123456789abcdef0123456789" {
		t.Errorf("AdminKey = %q, want the first key", c.AdminKey)
	}
	want := []AdminCredential{{Label: "admin", Key: "old-key-0123456789abcdef0123456789"}, {Label: "ci", Key: "new-key-0123456789abcdef0123456789"}}
	if got := c.AdminCredentials(); !reflect.DeepEqual(got, want) {
		t.Errorf("credentials = %+v, want %+v", got, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestAdminKeyValidation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"none", Config{}, "must be set"},
		{"single set directly", Config{AdminKey: "0123456789abcdef0123456789abcdef"}, ""},
		{"one short among several", Config{AdminKeys: []string{"0123456789abcdef0123456789abcdef", "ops:short"}}, "key 2 of 2"},
		{"16 characters are too few", Config{AdminKeys: []string{"0123456789abcdef"}}, "shorter than 32 characters"},
		{"label does not count as length", Config{AdminKeys: []string{"a-long-label:0123456789abcdef0123456789"}}, "key 1 of 1"},
		{"colon inside a key without label", Config{AdminKeys: []string{"has space:0123456789abcdef0123456789abcdef"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Defaults()
			c.SecretKeys = []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
			c.PayloadKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
			c.DatabaseURL = "postgres://u@localhost/db"
			c.AdminKey, c.AdminKeys = tc.cfg.AdminKey, tc.cfg.AdminKeys
			err := c.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
