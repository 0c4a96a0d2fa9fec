package analyze

import (
	"slices"
	"testing"
)

// roleRow is a short policy (one line, or a few) and the role of each of
// its dates, in order.
type roleRow struct {
	lang, text string
	want       []DateRole
}

// checkRoles reads each row's text with the default taxonomy and reports
// the rows whose dates do not have the roles wanted: the loop the role
// tables of dates_test.go, start_test.go and deadlines_test.go share.
func checkRoles(t *testing.T, rows []roleRow) {
	t.Helper()
	tx := DefaultTaxonomy()
	for _, tt := range rows {
		var got []DateRole
		for _, d := range tx.FactSheet(tt.text, tt.lang, nil).Dates {
			got = append(got, d.Role)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %q: roles %v, want %v", tt.lang, tt.text, got, tt.want)
		}
	}
}
