package extract

import (
	"testing"
)

// TestEmptyCellsKeepTheirPlace: in a table that ticks which data serve
// which purpose, a tick moved from one column to another is a change a
// reader sees (here: posts now used for AI training, no longer for ads).
// Dropping empty cells made both rows "Posts | ✓".
func TestEmptyCellsKeepTheirPlace(t *testing.T) {
	head := `<table><tr><th>Data</th><th>Ads</th><th>AI training</th></tr>`
	ads := hashOf(t, head+`<tr><td>Posts</td><td>✓</td><td></td></tr></table>`)
	ai := hashOf(t, head+`<tr><td>Posts</td><td></td><td>✓</td></tr></table>`)
	if ads == ai {
		t.Errorf("a tick moved from Ads to AI training: same hash")
	}
	first := hashOf(t, `<table><tr><td>Posts</td><td>✓</td><td></td><td></td></tr></table>`)
	last := hashOf(t, `<table><tr><td>Posts</td><td></td><td></td><td>✓</td></tr></table>`)
	if first == last {
		t.Errorf("a tick moved from the first column to the last: same hash")
	}
	doc, err := Extract([]byte(head+`<tr><td>Posts</td><td></td><td>✓</td></tr><tr><td></td><td></td><td></td></tr></table>`), "https://example.org/", Rules{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Data | Ads | AI training\nPosts | – | ✓"; doc.Text != want {
		t.Errorf("text %q, want %q (an empty row left out)", doc.Text, want)
	}
	// White space, comments and hidden text are empty; a hidden cell is
	// no cell at all.
	a := hashOf(t, `<table><tr><td>Posts</td><td> <!-- x --> </td><td><span hidden>y</span></td><td>✓</td></tr></table>`)
	b := hashOf(t, `<table><tr><td>Posts</td><td></td><td></td><td hidden>z</td><td>✓</td></tr></table>`)
	if a != b {
		t.Errorf("blank cells read differently")
	}
	// Rows without empty cells read as before.
	if got := hashOf(t, `<table><tr><td>Ads</td><td>Activity</td></tr></table>`); got != hashOf(t, `<p>Ads</p><p>Activity</p>`) {
		t.Errorf("a full row no longer reads as its cells")
	}
}
