// Package metricstest reads the PromQL that operators run against
// Switchboard (the Grafana dashboards and the Prometheus alerting rules in
// deploy/) and the metric names a PromQL expression refers to, so that
// tests can check every one against what the processes export.
package metricstest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Expr is one PromQL expression and where it is written.
type Expr struct {
	Where string // file and panel or alert
	Query string
}

// PrometheusSeries are the series Prometheus makes itself for every
// target (no process exports them).
var PrometheusSeries = map[string]bool{"up": true}

// DeployExprs returns every PromQL expression of the dashboards
// (deploy/grafana/dashboards/*.json) and the alerting rules
// (deploy/prometheus/rules.yml) under the repository root.
func DeployExprs(root string) ([]Expr, error) {
	var out []Expr
	dashboards, err := filepath.Glob(filepath.Join(root, "deploy", "grafana", "dashboards", "*.json"))
	if err != nil {
		return nil, err
	}
	if len(dashboards) == 0 {
		return nil, fmt.Errorf("no dashboard in %s", filepath.Join(root, "deploy", "grafana", "dashboards"))
	}
	for _, path := range dashboards {
		exprs, err := dashboardExprs(path)
		if err != nil {
			return nil, err
		}
		out = append(out, exprs...)
	}
	rules, err := RuleExprs(filepath.Join(root, "deploy", "prometheus", "rules.yml"))
	if err != nil {
		return nil, err
	}
	return append(out, rules...), nil
}

type panel struct {
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Panels  []panel `json:"panels"` // rows may hold their panels
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func dashboardExprs(path string) ([]Expr, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Expr
	var walk func([]panel) error
	walk = func(ps []panel) error {
		for _, p := range ps {
			if p.Type != "row" && len(p.Targets) == 0 {
				return fmt.Errorf("%s: panel %q has no query", path, p.Title)
			}
			for _, t := range p.Targets {
				if strings.TrimSpace(t.Expr) == "" {
					return fmt.Errorf("%s: panel %q has an empty query", path, p.Title)
				}
				out = append(out, Expr{Where: filepath.Base(path) + ": panel " + p.Title, Query: t.Expr})
			}
			if err := walk(p.Panels); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(d.Panels); err != nil {
		return nil, err
	}
	return out, nil
}

// RuleExprs returns the expressions of a Prometheus rules file.
func RuleExprs(path string) ([]Expr, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert  string `yaml:"alert"`
				Record string `yaml:"record"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Expr
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			out = append(out, Expr{Where: filepath.Base(path) + ": " + r.Alert + r.Record, Query: r.Expr})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rules", path)
	}
	return out, nil
}

var (
	quoted   = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	matchers = regexp.MustCompile(`\{[^{}]*\}`)
	ranges   = regexp.MustCompile(`\[[^\[\]]*\]`)
	grouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	ident    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	// Keywords and constants of PromQL, and what follows offset.
	keywords = map[string]bool{
		"and": true, "or": true, "unless": true, "by": true, "without": true, "on": true, "ignoring": true,
		"group_left": true, "group_right": true, "offset": true, "bool": true, "inf": true, "nan": true,
		"Inf": true, "NaN": true,
	}
)

// MetricNames returns the metric names an expression selects, sorted and
// without repeats: every identifier that is not a function or aggregation
// (followed by a parenthesis), a keyword, a label name (in braces or a
// by/without/on/ignoring clause), a string, a duration or a number.
func MetricNames(query string) []string {
	q := quoted.ReplaceAllString(query, " ")
	q = matchers.ReplaceAllString(q, " ")
	q = ranges.ReplaceAllString(q, " ")
	q = grouping.ReplaceAllString(q, " ")
	var names []string
	for _, m := range ident.FindAllStringSubmatchIndex(q, -1) {
		if m[2] >= 0 { // a call
			continue
		}
		word := q[m[0]:m[1]]
		if keywords[word] || (m[0] > 0 && isNumberChar(q[m[0]-1])) {
			continue
		}
		names = append(names, word)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// isNumberChar: an identifier that starts right after a digit or a dot is
// the unit or exponent of a number (1e3, 5m), not a name.
func isNumberChar(c byte) bool { return c >= '0' && c <= '9' || c == '.' }

// Unknown returns, for each expression, the names it selects that are not
// in exported (nor made by Prometheus itself), as "where: name" lines.
func Unknown(exprs []Expr, exported map[string]bool) []string {
	var out []string
	for _, e := range exprs {
		for _, n := range MetricNames(e.Query) {
			if !exported[n] && !PrometheusSeries[n] {
				out = append(out, e.Where+": "+n)
			}
		}
	}
	return out
}

// ExportedNames returns the series names of a /metrics answer (Prometheus
// text format): each family's name, with _bucket, _sum and _count for a
// histogram and _sum and _count for a summary.
func ExportedNames(exposition string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(exposition, "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		name := f[2]
		names[name] = true
		switch f[3] {
		case "histogram":
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case "summary":
			names[name+"_sum"], names[name+"_count"] = true, true
		}
	}
	return names
}
