package api

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/switchboard/switchboard/internal/web"
)

// consoleCSP keeps the console to its own files: its scripts, styles and
// API calls are same-origin, images are blob: URLs of media it fetched
// with the agent's token. No inline script, no framing.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
	"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// consoleAsset serves GET /console/{asset}: a file of the embedded
// console (the agent console; no key: the page asks for the agent's token).
func (s *Server) consoleAsset(c *fiber.Ctx) error {
	return s.consoleFile(c.Params("asset"))(c)
}

// consoleFile serves one file of the embedded console.
func (s *Server) consoleFile(name string) fiber.Handler {
	return pageFile(web.Console, name)
}

// supervisorAsset serves GET /supervisor/{asset}: a file of the supervisor
// page (no key: the page asks for the supervisor's token).
func (s *Server) supervisorAsset(c *fiber.Ctx) error {
	return pageFile(web.Supervisor, c.Params("asset"))(c)
}

// pageFile serves one file of an embedded page (the console, the
// supervisor page) with the console's strict headers.
func pageFile(files fs.FS, name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
			return notFoundError("no console file " + name)
		}
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return notFoundError("no console file " + name)
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		c.Set(fiber.HeaderContentType, ctype)
		// The files change with the binary: revalidate, never store stale.
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set("Content-Security-Policy", consoleCSP)
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("Referrer-Policy", "no-referrer")
		c.Set("X-Frame-Options", "DENY")
		return c.Send(data)
	}
}

// simulatorHandler serves /sim/… from the emulator's handler with /sim
// stripped, so the phone page calls same-origin /sim/emulator/… and the
// emulator needs no CORS. /sim and /sim/ are the phone page itself.
func simulatorHandler(emu http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/sim")
		if p == "" || p == "/" {
			p = "/emulator/phone"
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = p
		r2.URL.RawPath = ""
		r2.RequestURI = r2.URL.RequestURI()
		emu.ServeHTTP(w, r2)
	})
}
