package emulator

import (
	_ "embed"
	"net/http"
)

//go:embed phone.html
var phoneHTML []byte

// handlePhone serves GET /emulator/phone: a self-contained "customer phone" page that
// sends inbound messages through /emulator/inbound and polls /emulator/thread.
func (e *Emulator) handlePhone(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy",
		"default-src 'self'; img-src 'self' data: http: https:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	_, _ = w.Write(phoneHTML)
}
