package analyze_test

import (
	"testing"

	"github.com/policywatch/policywatch/monitor/analyze"
)

// TestDateRoleName: every role has a name for people; a start date names
// its use when it is AI training, as the summary does, and reads "Use
// starts" otherwise.
func TestDateRoleName(t *testing.T) {
	label := analyze.DefaultTaxonomy().Label
	en := func(id string) string { return label(id, "en") }
	for _, tt := range []struct {
		role      analyze.DateRole
		use, want string
	}{
		{analyze.RoleEffective, "", "Effective date"},
		{analyze.RoleUpdated, "", "Last updated"},
		{analyze.RoleUpcoming, "", "Upcoming update"},
		{analyze.RoleDeadline, "", "Deadline to object"},
		{analyze.RoleStart, "ai_training", "AI training starts"},
		{analyze.RoleStart, "advertising", "Use starts"},
		{analyze.RoleStart, "", "Use starts"},
		{analyze.RoleOther, "", "Date"},
		{"someday", "", "Date"},
	} {
		if got := analyze.DateRoleName(tt.role, tt.use, en); got != tt.want {
			t.Errorf("DateRoleName(%q, %q) = %q, want %q", tt.role, tt.use, got, tt.want)
		}
	}
}
