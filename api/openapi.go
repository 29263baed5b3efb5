package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"sort"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// The document is assembled from fragments, one per area of the API, each
// {"paths": {...}, "components": {"schemas": {...}, ...}}, so that whoever
// adds routes adds their description next to them. A test walks the Fiber
// routes and fails when a route and the document disagree.
//
//go:embed openapi/*.json
var openapiFragments embed.FS

// httpMethods are the keys of an OpenAPI path item that are operations.
var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func openapiBase() map[string]any {
	bearer := func(desc string) map[string]any {
		return map[string]any{"type": "http", "scheme": "bearer", "description": desc}
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Switchboard",
			"version":     "1",
			"description": "WhatsApp contact-center engine: Twilio webhooks, admin API and agent API. Errors are {\"error\": {\"code\", \"message\"}}. Every route behind a key or token may answer 429 RATE_LIMITED with Retry-After (per-client limits). /metrics, the detailed /readyz and an open codec endpoint are on the operations listener (SWITCHBOARD_OPS_ADDR), not here.",
		},
		"servers":  []any{map[string]any{"url": "/", "description": "This server (SWITCHBOARD_PUBLIC_BASE_URL)"}},
		"security": []any{map[string]any{"adminKey": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"adminKey":   bearer("One of the keys in SWITCHBOARD_ADMIN_KEY."),
				"agentToken": bearer("An agent's token, shown once when the agent is created or its token rotated."),
				"twilioSignature": map[string]any{
					"type": "apiKey", "in": "header", "name": "X-Twilio-Signature",
					"description": "Twilio's HMAC-SHA1 signature of the public URL and the form, with the account's auth token.",
				},
			},
		},
	}
}

// OpenAPI returns the OpenAPI document, built once from the fragments.
var OpenAPI = sync.OnceValues(buildOpenAPI)

func buildOpenAPI() ([]byte, error) {
	doc := openapiBase()
	paths := map[string]any{}
	components := doc["components"].(map[string]any)
	names, err := fs.Glob(openapiFragments, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := openapiFragments.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var frag struct {
			Paths      map[string]map[string]any `json:"paths"`
			Components map[string]map[string]any `json:"components"`
		}
		if err := json.Unmarshal(raw, &frag); err != nil {
			return nil, fmt.Errorf("openapi fragment %s: %w", path.Base(name), err)
		}
		if err := mergePaths(paths, frag.Paths); err != nil {
			return nil, fmt.Errorf("openapi fragment %s: %w", path.Base(name), err)
		}
		for section, entries := range frag.Components {
			dst, _ := components[section].(map[string]any)
			if dst == nil {
				dst = map[string]any{}
				components[section] = dst
			}
			for k, v := range entries {
				if _, dup := dst[k]; dup {
					return nil, fmt.Errorf("openapi fragment %s: components.%s.%s is defined twice", path.Base(name), section, k)
				}
				dst[k] = v
			}
		}
	}
	doc["paths"] = paths
	return json.MarshalIndent(doc, "", "  ")
}

// mergePaths adds a fragment's paths: one path may get its operations from
// several fragments, but an operation only from one; other path-level keys
// (parameters) must agree.
func mergePaths(dst map[string]any, src map[string]map[string]any) error {
	for p, item := range src {
		cur, _ := dst[p].(map[string]any)
		if cur == nil {
			cur = map[string]any{}
			dst[p] = cur
		}
		for k, v := range item {
			prev, exists := cur[k]
			switch {
			case !exists:
				cur[k] = v
			case httpMethods[k]:
				return fmt.Errorf("%s %s is described twice", k, p)
			case !reflect.DeepEqual(prev, v):
				return fmt.Errorf("%s: %s differs between fragments", p, k)
			}
		}
	}
	return nil
}

// checkOpenAPI builds the document at start-up, so that a broken fragment
// is reported when the server starts rather than on the first request.
func (s *Server) checkOpenAPI() {
	if _, err := OpenAPI(); err != nil {
		s.logger.Error("the OpenAPI document cannot be built; /openapi.json will answer 500", "err", err)
	}
}

// openapi serves GET /openapi.json (no key: it documents, it does not
// grant).
func (s *Server) openapi(c *fiber.Ctx) error {
	doc, err := OpenAPI()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(doc)
}
