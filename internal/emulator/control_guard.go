package emulator

import (
	"mime"
	"net/http"
	"strings"
)

// refuseCrossSite guards the control API (/emulator/…), which has no
// credentials: a page on another site must not make a developer's browser
// inject messages or failures. A request that changes something must come
// from no browser at all (no Origin) or from the emulator's own origin
// (the phone page, directly or through the API's /sim), and a body must be
// JSON, which a cross-site form or a no-preflight fetch cannot send.
func refuseCrossSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/emulator/") || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r) {
			writeJSON(w, http.StatusForbidden, controlError{"cross-site request refused: the control API takes requests from its own pages and from tools only"})
			return
		}
		if r.Method != http.MethodDelete {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, controlError{"Content-Type must be application/json"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether origin is the request's own scheme://host.
func sameOrigin(origin string, r *http.Request) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(origin, scheme+"://"+r.Host)
}
