package netguard

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

func TestForbidden(t *testing.T) {
	for _, tc := range []struct {
		ip        string
		forbidden bool
	}{
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.10", true},
		{"127.0.0.1", true},
		{"127.255.0.9", true},
		{"169.254.169.254", true},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"100.100.100.200", true},
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"::1", true},
		{"::", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true},
		{"::127.0.0.1", true},
		{"64:ff9b::a00:1", true},     // NAT64 of 10.0.0.1
		{"64:ff9b:1::808:808", true}, // local-use NAT64 (RFC 8215), even of a public address
		{"64:ff9b:1:ffff::1", true},
		{"2002:a9fe:a9fe::", true}, // 6to4 of 169.254.169.254
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"172.32.0.1", false},
		{"192.169.0.1", false},
		{"100.128.0.1", false},
		{"2606:4700:4700::1111", false},
		{"::ffff:8.8.8.8", false},
		{"64:ff9b::808:808", false}, // NAT64 of 8.8.8.8
	} {
		if got := Forbidden(netip.MustParseAddr(tc.ip)); got != tc.forbidden {
			t.Errorf("Forbidden(%s) = %v, want %v", tc.ip, got, tc.forbidden)
		}
	}
}

func TestDialerControl(t *testing.T) {
	control := Dialer().Control
	for addr, ok := range map[string]bool{
		"8.8.8.8:443":        true,
		"[2606:4700::1]:443": true,
		"127.0.0.1:80":       false,
		"[::1]:80":           false,
		"[fe80::1%lo]:80":    false,
		"garbage":            false,
		"example.com:80":     false, // never called with a name, refuse if it were
	} {
		err := control("tcp", addr, nil)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrForbiddenAddress)) {
			t.Errorf("%s: err = %v, want ok=%v", addr, err, ok)
		}
	}
}

// fakeResolver answers from a table; a missing name does not resolve.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, ip := range ips {
		out = append(out, netip.MustParseAddr(ip))
	}
	return out, nil
}

func TestCheckHost(t *testing.T) {
	r := fakeResolver{
		"media.example.com":    {"93.184.215.14"},
		"internal.example.com": {"10.0.0.7"},
		"mixed.example.com":    {"93.184.215.14", "127.0.0.1"}, // one bad address is enough
		"v6.example.com":       {"2606:4700::1"},
	}
	for host, want := range map[string]error{
		"media.example.com":    nil,
		"MEDIA.example.com.":   nil,
		"v6.example.com":       nil,
		"93.184.215.14":        nil,
		"[2606:4700::1]":       nil,
		"internal.example.com": ErrForbiddenAddress,
		"mixed.example.com":    ErrForbiddenAddress,
		"localhost":            ErrForbiddenAddress,
		"app.localhost":        ErrForbiddenAddress,
		"127.0.0.1":            ErrForbiddenAddress,
		"[::1]":                ErrForbiddenAddress,
		"169.254.169.254":      ErrForbiddenAddress,
		"192.168.1.1":          ErrForbiddenAddress,
		"":                     ErrForbiddenAddress,
		"nowhere.example.com":  ErrUnresolved,
	} {
		err := CheckHost(context.Background(), r, host)
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("CheckHost(%q) = %v, want %v", host, err, want)
		}
	}
}
