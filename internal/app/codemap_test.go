package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCodeMap keeps the README's code map true: every package has a row,
// every row is a package, and a package imports none of ours beyond what
// its row allows ("none": none of ours; "everything": no limit).
func TestCodeMap(t *testing.T) {
	root := filepath.Join("..", "..")
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "\n## Code map\n")
	if start < 0 {
		t.Fatal("README has no Code map section")
	}
	section := readme[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	ticked := regexp.MustCompile("`([a-z0-9/_.-]+)`")
	allowed := map[string]map[string]bool{} // nil: everything
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9/_-]+)` \\|[^|]*\\| (.*) \\|$").FindAllStringSubmatch(section, -1) {
		pkg, imports := m[1], m[2]
		if imports == "everything" {
			allowed[pkg] = nil
			continue
		}
		set := map[string]bool{}
		if imports != "none" {
			for _, im := range ticked.FindAllStringSubmatch(imports, -1) {
				set[im[1]] = true
			}
		}
		allowed[pkg] = set
	}
	if len(allowed) == 0 {
		t.Fatal("no rows in the README's code map")
	}

	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/switchboard/switchboard/"
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		listed[pkg] = true
		set, ok := allowed[pkg]
		if !ok {
			t.Errorf("package %s has no row in the README's code map", pkg)
			continue
		}
		if set == nil {
			continue
		}
		for _, im := range fields[1:] {
			if ours, found := strings.CutPrefix(im, module); found && !set[ours] {
				t.Errorf("%s imports %s, which its row in the README's code map does not allow", pkg, ours)
			}
		}
	}
	for pkg := range allowed {
		if !listed[pkg] {
			t.Errorf("the README's code map lists %s, which is not a package", pkg)
		}
	}
}
