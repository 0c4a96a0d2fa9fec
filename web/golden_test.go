package web_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestPagesGolden compares whole rendered pages of the example policy
// with testdata/*.golden.html; run with -update to accept a change, then
// read the diff.
func TestPagesGolden(t *testing.T) {
	r, _ := examplePolicy(t)
	_, ts := r.server(t)
	for _, c := range []struct{ path, golden string }{
		{"/", "overview"},
		{"/events/2", "change-side"},
		{"/events/2?view=inline", "change-inline"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			resp, body := get(t, ts.URL+c.path)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", c.path, resp.StatusCode)
			}
			// The page server's address changes from run to run.
			got := strings.ReplaceAll(string(body), r.Pages.URL, "http://pages.test")
			path := filepath.Join("testdata", c.golden+".golden.html")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestPagesGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("GET %s differs from %s (run with -update and read the diff):\n%s", c.path, path, firstDifference(got, string(want)))
			}
		})
	}
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + gl + "\nwant: " + wl
		}
	}
	return ""
}
