//go:build !linux

package devenv

import "syscall"

// groupAttr puts a child in its own process group so it and its children can
// be signalled together.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
