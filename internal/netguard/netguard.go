// Package netguard keeps Switchboard from being pointed at internal
// addresses: bot URLs (dialled by the worker) and media URLs (handed to
// Twilio) must reach the public internet, not the private network, the
// local host or a cloud metadata endpoint — unless
// SWITCHBOARD_ALLOW_PRIVATE_TARGETS says otherwise.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a URL leads to an address
// Switchboard must not use.
var ErrForbiddenAddress = errors.New("address is private, loopback, link-local or unspecified")

// forbiddenPrefixes are refused besides what netip classifies as private,
// loopback, link-local, multicast or unspecified: ranges that are never a
// public service and are known ways around naive filters.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network": 0.x reaches the local host on Linux
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, also some clouds' metadata (100.100.100.200)
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated)
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215): translates into a private network by design
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated)
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64: last 32 bits are IPv4
	sixToFour   = netip.MustParsePrefix("2002::/16")    // 6to4: bits 16–47 are IPv4
)

// Forbidden reports whether ip is private (RFC 1918, fc00::/7), loopback,
// link-local (169.254/16, fe80::/10), multicast, unspecified or one of
// forbiddenPrefixes — also when an IPv4 address hides inside an IPv6 one.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return Forbidden(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return Forbidden(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return false
}

// Dialer checks every address right before connecting, after DNS
// resolution: checking a URL's host up front would miss a name that
// resolves to a public address once and to an internal one the next time.
func Dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   30 * time.Second, // the request context usually ends sooner
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("%w: %q", ErrForbiddenAddress, address)
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || Forbidden(ip) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
			}
			return nil
		},
	}
}

// Resolver looks names up; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ErrUnresolved is returned (wrapped) by CheckHost when the name has no
// address here.
var ErrUnresolved = errors.New("host does not resolve")

// CheckHost refuses a host (a name or an IP literal, without port) that is
// or resolves to a forbidden address: every address of the name is
// checked. It is for URLs that someone else fetches (Twilio fetches media
// URLs), where the check happens once, up front; for URLs Switchboard
// dials itself, use Dialer. A name that does not resolve is
// ErrUnresolved; "localhost" and *.localhost are refused without a lookup.
func CheckHost(ctx context.Context, r Resolver, host string) error {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return fmt.Errorf("%w: empty host", ErrForbiddenAddress)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if Forbidden(ip) {
			return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%w: %s is the local host", ErrForbiddenAddress, host)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("%w: %s", ErrUnresolved, host)
	}
	for _, ip := range addrs {
		if Forbidden(ip) {
			return fmt.Errorf("%w: %s resolves to %s", ErrForbiddenAddress, host, ip.Unmap())
		}
	}
	return nil
}
