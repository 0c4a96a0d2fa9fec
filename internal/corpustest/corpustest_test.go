package corpustest

import "testing"

func TestOpenReadsIndexAndFiles(t *testing.T) {
	for _, name := range []string{Facebook, Printable} {
		h := Open(t, name)
		if len(h.Steps) < 100 {
			t.Fatalf("%s: %d steps, want the whole history", name, len(h.Steps))
		}
		if h.Steps[0].Label != "first" {
			t.Errorf("%s: first step labelled %q", name, h.Steps[0].Label)
		}
		b, err := h.Steps[len(h.Steps)-1].Read()
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: last step unreadable: %v", name, err)
		}
	}
}
