package monitor

import "github.com/policywatch/policywatch/monitor/analyze"

// dateRoleNames are the names of the date roles for people.
var dateRoleNames = map[analyze.DateRole]string{
	analyze.RoleEffective: "Effective date",
	analyze.RoleUpdated:   "Last updated",
	analyze.RoleUpcoming:  "Upcoming update",
	analyze.RoleStart:     "Use starts", // "AI training starts" when it is AI training
	analyze.RoleDeadline:  "Deadline to object",
	analyze.RoleOther:     "Date",
}

// DateRoleName names the role of a date for people, one way in every
// message, feed and page that lists dates: "Effective date", "Deadline to
// object", "AI training starts". use is the date's analyze.DateChange.Use
// (DateFact.Use of a fact sheet's date); a start date names it, with
// label (the taxonomy's label of an id), when it is AI training, as the
// analysis's summary does ("AI training starts 26 May 2025 → 27 May
// 2025"): the day to object before. The start of another use, and one
// recorded before the use was kept, read "Use starts". An unknown role
// reads "Date". The name is not escaped: callers do, as for any text.
func DateRoleName(role analyze.DateRole, use string, label func(id string) string) string {
	if (analyze.DateChange{Role: role, Use: use}).StartsAITraining() {
		return label(use) + " starts"
	}
	if name := dateRoleNames[role]; name != "" {
		return name
	}
	return dateRoleNames[analyze.RoleOther]
}
