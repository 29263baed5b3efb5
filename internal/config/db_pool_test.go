package config

import (
	"strings"
	"testing"
)

func TestDBPoolFromEnv(t *testing.T) {
	if d := Defaults(); d.DBMaxConns != DefaultDBMaxConns {
		t.Fatalf("default pool %d", d.DBMaxConns)
	}
	t.Setenv("SWITCHBOARD_DB_MAX_CONNS", "12")
	if c, err := FromEnv(); err != nil || c.DBMaxConns != 12 {
		t.Fatalf("FromEnv: pool %d, %v", c.DBMaxConns, err)
	}
	for _, bad := range []string{"3", "many", "-1"} {
		t.Setenv("SWITCHBOARD_DB_MAX_CONNS", bad)
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "SWITCHBOARD_DB_MAX_CONNS") {
			t.Errorf("SWITCHBOARD_DB_MAX_CONNS=%s is not reported: %v", bad, err)
		}
	}
}
