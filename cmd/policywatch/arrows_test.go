package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/policywatch/policywatch"

// TestImportArrows keeps the data flow one way: cmd → {store, notify, web}
// → monitor → leaves. It lists each package's dependencies with
// `go list -deps` and fails when an arrow points the wrong way.
func TestImportArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// allowed lists, for each room, the project packages it may depend on.
	// (monitor/extract/internal/htmlparse is extract's, and comes with it.)
	inward := []string{"monitor", "monitor/fetch", "monitor/extract", "monitor/diff", "monitor/analyze", "monitor/browser", "monitor/extract/internal/htmlparse"}
	// The rooms that read secret files read them alike.
	withSecrets := append(slices.Clone(inward), "internal/secretfile")
	allowed := map[string][]string{
		"monitor/fetch":                      nil,
		"monitor/extract":                    nil,
		"monitor/diff":                       nil,
		"monitor/analyze":                    nil,
		"monitor/browser":                    nil,
		"monitor/extract/internal/htmlparse": nil,
		"internal/corpustest":                nil,
		"internal/secretfile":                nil,
		"internal/syncbuf":                   nil,
		"internal/sqlitelock":                nil,
		"monitor":                            inward[1:],
		"store":                              inward,
		"notify":                             withSecrets,
		"web":                                withSecrets,
		"archive":                            inward,
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		room := rel
		if first, _, ok := strings.Cut(rel, "/"); ok && (first == "store" || first == "notify" || first == "web") {
			room = first // a room's sub-packages follow its rules
		}
		ok, known := allowed[room]
		if !known {
			continue // cmd/... may import anything
		}
		checked++
		for _, dep := range strings.Fields(deps) {
			drel, inModule := strings.CutPrefix(dep, module+"/")
			if !inModule || drel == rel || strings.HasPrefix(drel, room+"/") {
				continue
			}
			if !contains(ok, drel) {
				t.Errorf("%s imports %s: the arrow points the wrong way", rel, drel)
			}
		}
	}
	if checked < 6 {
		t.Fatalf("only %d packages checked; did the layout change?", checked)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
