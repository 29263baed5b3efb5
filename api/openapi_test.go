package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/api"
	"github.com/switchboard/switchboard/internal/config"
	"github.com/switchboard/switchboard/internal/metrics"
)

// TestOpenAPIMatchesRoutes keeps /openapi.json true: every route of the
// app (as production mounts them) is documented, every documented
// operation is a route, and every $ref resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := api.New(api.Deps{Config: config.Defaults(), Logger: logger, Metrics: metrics.New(logger)})
	app := srv.App()

	raw, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}

	param := regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	routes := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == http.MethodConnect || r.Method == http.MethodTrace || r.Path == "/" {
			continue
		}
		routes[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	opIDs := map[string]string{}
	for p, item := range doc["paths"].(map[string]any) {
		item := item.(map[string]any)
		for method, o := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			key := method + " " + p
			documented[key] = true
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", key)
			} else if other, dup := opIDs[id]; dup {
				t.Errorf("operationId %s is used by %s and %s", id, other, key)
			}
			opIDs[id] = key
			if _, ok := op["responses"].(map[string]any); !ok {
				t.Errorf("%s has no responses", key)
			}
			checkPathParams(t, key, p, item, op, doc)
		}
	}
	for _, k := range sortedKeys(routes) {
		if !documented[k] {
			t.Errorf("route %s is not in the OpenAPI document (api/openapi/*.json)", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !routes[k] {
			t.Errorf("the OpenAPI document describes %s, which is not a route", k)
		}
	}
	walkRefs(t, doc, doc, "#")

	// Served without a key, as the same document.
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || string(body) != string(raw) {
		t.Fatalf("GET /openapi.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
}

// checkPathParams: each {name} of the path is declared as a path parameter,
// at the path or the operation level.
func checkPathParams(t *testing.T, key, path string, item, op, doc map[string]any) {
	t.Helper()
	declared := map[string]bool{}
	for _, list := range []any{item["parameters"], op["parameters"]} {
		ps, _ := list.([]any)
		for _, p := range ps {
			pm := p.(map[string]any)
			if r, ok := pm["$ref"].(string); ok {
				pm, _ = resolve(doc, r).(map[string]any)
			}
			if pm != nil && pm["in"] == "path" {
				declared[pm["name"].(string)] = true
			}
		}
	}
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
		if !declared[m[1]] {
			t.Errorf("%s: path parameter %s is not declared", key, m[1])
		}
	}
}

func walkRefs(t *testing.T, doc map[string]any, v any, at string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if k == "$ref" {
				r, _ := child.(string)
				if resolve(doc, r) == nil {
					t.Errorf("%s: $ref %q does not resolve", at, r)
				}
				continue
			}
			walkRefs(t, doc, child, at+"/"+k)
		}
	case []any:
		for _, child := range x {
			walkRefs(t, doc, child, at+"/[]")
		}
	}
}

// resolve follows a local JSON pointer ("#/components/schemas/Error").
func resolve(doc map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
