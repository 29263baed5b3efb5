package api

import (
	"slices"

	"github.com/gofiber/fiber/v2"
)

// protectedRoutes registers routes whose handler chain starts with the
// group's authentication. Authentication belongs to each route, not to a
// path prefix: whatever spelling of a path Fiber matches to a route, that
// route's authentication runs first, and a path that matches no route
// never reaches a handler. (A group middleware is a plain prefix test, which
// is how /API/V1/AGENT/... once reached agent handlers without a token.)
type protectedRoutes struct {
	fiber.Router
	auth []fiber.Handler
}

// protect returns a router for prefix whose every route runs auth first.
func protect(r fiber.Router, prefix string, auth ...fiber.Handler) protectedRoutes {
	return protectedRoutes{Router: r.Group(prefix), auth: auth}
}

func (p protectedRoutes) chain(handlers []fiber.Handler) []fiber.Handler {
	return append(slices.Clone(p.auth), handlers...)
}

// Add registers one route behind the group's authentication.
func (p protectedRoutes) Add(method, path string, handlers ...fiber.Handler) fiber.Router {
	p.Router.Add(method, path, p.chain(handlers)...)
	return p
}

// Get registers GET and HEAD, as Fiber's own Get does.
func (p protectedRoutes) Get(path string, handlers ...fiber.Handler) fiber.Router {
	p.Add(fiber.MethodHead, path, handlers...)
	return p.Add(fiber.MethodGet, path, handlers...)
}

// Head registers HEAD.
func (p protectedRoutes) Head(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodHead, path, handlers...)
}

// Post registers POST.
func (p protectedRoutes) Post(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodPost, path, handlers...)
}

// Put registers PUT.
func (p protectedRoutes) Put(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodPut, path, handlers...)
}

// Patch registers PATCH.
func (p protectedRoutes) Patch(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodPatch, path, handlers...)
}

// Delete registers DELETE.
func (p protectedRoutes) Delete(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodDelete, path, handlers...)
}

// Options registers OPTIONS.
func (p protectedRoutes) Options(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodOptions, path, handlers...)
}

// Connect registers CONNECT.
func (p protectedRoutes) Connect(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodConnect, path, handlers...)
}

// Trace registers TRACE.
func (p protectedRoutes) Trace(path string, handlers ...fiber.Handler) fiber.Router {
	return p.Add(fiber.MethodTrace, path, handlers...)
}

// All registers every method.
func (p protectedRoutes) All(path string, handlers ...fiber.Handler) fiber.Router {
	for _, m := range fiber.DefaultMethods {
		p.Add(m, path, handlers...)
	}
	return p
}

// Group nests a prefix; its routes keep the authentication. Handlers given
// here run after it, on each route (never as a prefix middleware).
func (p protectedRoutes) Group(prefix string, handlers ...fiber.Handler) fiber.Router {
	return protectedRoutes{Router: p.Router.Group(prefix), auth: p.chain(handlers)}
}

// Route is Group with a function that registers the routes.
func (p protectedRoutes) Route(prefix string, fn func(router fiber.Router), _ ...string) fiber.Router {
	fn(p.Group(prefix))
	return p
}

// Use is refused: a prefix middleware would run for paths outside the
// group's routes (and before their authentication). Give the handler to
// each route instead, after the path: admin.Post("/x", mw, handler).
func (p protectedRoutes) Use(...interface{}) fiber.Router {
	panic("api: Use on an authenticated route group would run before authentication and on paths of other groups: pass the middleware to each route instead")
}

// Static is refused: files behind credentials are served by handlers.
func (p protectedRoutes) Static(string, string, ...fiber.Static) fiber.Router {
	panic("api: Static on an authenticated route group is not supported")
}

// Mount is refused: a mounted app would not run the group's authentication.
func (p protectedRoutes) Mount(string, *fiber.App) fiber.Router {
	panic("api: Mount on an authenticated route group is not supported")
}
