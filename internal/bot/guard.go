package bot

import (
	"net"

	"github.com/switchboard/switchboard/internal/netguard"
)

// ErrForbiddenAddress is returned (wrapped) when a bot URL leads to an
// address Switchboard must not call: a workstream admin could otherwise make
// the worker probe the internal network or a cloud metadata endpoint.
var ErrForbiddenAddress = netguard.ErrForbiddenAddress

// guardedDialer checks every address right before connecting, after DNS
// resolution (netguard.Dialer).
func guardedDialer() *net.Dialer { return netguard.Dialer() }
