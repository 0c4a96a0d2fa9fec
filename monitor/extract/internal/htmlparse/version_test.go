package htmlparse

import (
	"os/exec"
	"strings"
	"testing"
)

// copiedFrom is the version of golang.org/x/net whose files this package
// copies.
const copiedFrom = "v0.62.0"

// TestCopiedFromTheXNetInUse: when go.mod moves to another x/net, copy
// parse.go, foreign.go, const.go, doctype.go and node.go again (the edits
// are listed in the package doc), then update copiedFrom. extract's
// TestParseAgreesWithParser and TestScannerReadsTheCorpus compare the trees
// with the new html.Parse's.
func TestCopiedFromTheXNetInUse(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "golang.org/x/net").Output()
	if err != nil {
		t.Fatalf("go list -m golang.org/x/net: %v", err)
	}
	if v := strings.TrimSpace(string(out)); v != copiedFrom {
		t.Fatalf("go.mod uses golang.org/x/net %s; this package copies %s: copy its files again", v, copiedFrom)
	}
}
