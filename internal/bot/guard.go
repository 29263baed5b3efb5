package bot

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a bot URL leads to an
// address Switchboard must not call: a workstream admin could otherwise make
// the worker probe the internal network or a cloud metadata endpoint.
var ErrForbiddenAddress = errors.New("address is private, loopback, link-local or unspecified")

// guardedDialer checks every address right before connecting, after DNS
// resolution: checking the URL's host up front would miss a name that
// resolves to a public address once and to an internal one the next time.
func guardedDialer() *net.Dialer {
	return &net.Dialer{
		Timeout:   30 * time.Second, // the request context usually ends sooner
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("%w: %q", ErrForbiddenAddress, address)
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || forbiddenAddr(ip) {
				return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
			}
			return nil
		},
	}
}

// forbiddenPrefixes are refused besides what netip classifies as private,
// loopback, link-local, multicast or unspecified: ranges that are never a
// public bot and are known ways around naive filters.
var forbiddenPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network": 0.x reaches the local host on Linux
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT, also some clouds' metadata (100.100.100.200)
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast
	netip.MustParsePrefix("::/96"),         // IPv4-compatible (deprecated)
	netip.MustParsePrefix("fec0::/10"),     // site-local (deprecated)
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64: last 32 bits are IPv4
	sixToFour   = netip.MustParsePrefix("2002::/16")    // 6to4: bits 16–47 are IPv4
)

// forbiddenAddr reports whether ip is private (RFC 1918, fc00::/7), loopback,
// link-local (169.254/16, fe80::/10), multicast, unspecified or one of
// forbiddenPrefixes — also when an IPv4 address hides inside an IPv6 one.
func forbiddenAddr(ip netip.Addr) bool {
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
			return forbiddenAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return forbiddenAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	return false
}
