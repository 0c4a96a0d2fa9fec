package analyze

import (
	"os"
	"os/exec"
	"testing"
)

// TestPatternsCompile compiles every lazy pattern: one that does not
// compile would otherwise panic at its first use only (here, it panics
// the test).
func TestPatternsCompile(t *testing.T) {
	if len(lazyRegexps) < 20 {
		t.Fatalf("%d lazy patterns registered, want the date and age patterns", len(lazyRegexps))
	}
	for _, p := range lazyRegexps {
		p.compiled()
	}
}

// TestPatternsCompileOnFirstUse: a process starts with no pattern
// compiled (its own test binary, run again for this test alone, checks
// before anything reads a date), and reading a fact sheet compiles them.
func TestPatternsCompileOnFirstUse(t *testing.T) {
	if os.Getenv("POLICYWATCH_ANALYZE_FRESH") != "" {
		for _, p := range lazyRegexps {
			if p.re != nil {
				t.Fatalf("%q was compiled before any use", p.src)
			}
		}
		sheet := DefaultTaxonomy().FactSheet("You can object until 26 May 2025. Users must be 13 years old.", "en", nil)
		if len(sheet.Dates) == 0 {
			t.Fatal("no date read")
		}
		if spanEN.re == nil || ageEN.re == nil {
			t.Fatal("reading a fact sheet did not compile the English date and age patterns")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPatternsCompileOnFirstUse$", "-test.count=1")
	cmd.Env = append(os.Environ(), "POLICYWATCH_ANALYZE_FRESH=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("in a fresh process: %v\n%s", err, out)
	}
}
