package analyze

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Compare tells what changed from the fact sheet before to the one after.
// It returns nil when before is nil (a baseline has nothing to compare
// with) or after is nil.
//
// Whether the scope, purposes or rights changed is decided on the ids the
// whole sheet mentions, not statement by statement, so rewording never
// flips them. Statements are compared as multisets of normalised keys
// (case, accents, punctuation and spacing folded), so a full stop added to
// every bullet, or a section moved unchanged, is no change.
//
// Only a statement whose text changed is evidence: an id is added (or
// removed) only when a statement added (or removed) mentions it. Whether
// a purpose counts depends on its context, which may change around a
// sentence that does not: "We share information with service providers…"
// counts as sharing once "We use your messages to train AI models." is put
// before it. That sentence is no new statement (the sheet before has it
// among its Unbound ones), and sharing no new purpose. The same holds for
// the uses of data by a purpose (see useDiff).
func Compare(before, after *FactSheet) *Analysis {
	if before == nil || after == nil {
		return nil
	}
	a := &Analysis{}
	labels := map[string]string{}
	for _, sh := range []*FactSheet{before, after} {
		maps.Copy(labels, sh.useLabels)
		for _, tp := range sh.Topics {
			labels[tp.ID] = tp.Label
		}
	}
	var inOld, inNew map[string]int
	a.Statements, inOld, inNew = statementDiff(before, after)
	a.ScopeAdded, a.ScopeRemoved = topicDiff(before, after, KindCategory, a.Statements)
	a.PurposesAdded, a.PurposesRemoved = topicDiff(before, after, KindPurpose, a.Statements)
	a.RightsAdded, a.RightsRemoved = topicDiff(before, after, KindRight, a.Statements)
	a.Dates = dateDiff(before.Dates, after.Dates)
	a.UsesAdded, a.UsesRemoved = useDiff(before, after, inOld, inNew)
	var formsGone []Link
	formsGone, a.FormsMoved = objectionFormChanges(before, after)
	if before.NotAnalysed || after.NotAnalysed {
		a.NotAnalysed = after.Language
		if !after.NotAnalysed {
			a.NotAnalysed = before.Language
		}
		a.SentencesAdded, a.SentencesRemoved = sentenceDiff(before.sentences, after.sentences)
		if before.NotAnalysed {
			// Not when the text before was analysed: every sentence is
			// new then, and not what the change added.
			a.AIMentions = aiSentencesAdded(before, after)
		}
	}
	a.Severity = severity(a, formsGone, effectiveKept(a, after))
	a.Summary = summary(a, formsGone, newPurposes(a, before), labels)
	return a
}

// sentenceDiff counts the sentences (by key) that after has more of than
// before, and the reverse.
func sentenceDiff(before, after []string) (added, removed int) {
	count := make(map[string]int, len(before))
	for _, k := range before {
		count[k]++
	}
	for _, k := range after {
		count[k]--
	}
	for _, n := range count {
		if n > 0 {
			removed += n
		} else {
			added -= n
		}
	}
	return added, removed
}

// newPurposes returns the purposes the change adds (PurposesAdded), and
// those of its uses added that the sheet before neither used nor named,
// bound or not: a purpose bound to its data through a title alone
// ("Developing and improving AI at Meta" over a list of data) is no topic,
// and was said to "now also" use what it had never used. One the policy
// named before without data ("We use the following to train our AI
// models: Public datasets") does now also use what comes.
func newPurposes(a *Analysis, before *FactSheet) []string {
	out := a.PurposesAdded
	for _, u := range a.UsesAdded {
		if slices.Contains(out, u.Purpose) ||
			slices.ContainsFunc(before.Uses, func(x Use) bool { return x.Purpose == u.Purpose }) ||
			slices.ContainsFunc(before.Topics, func(tp Topic) bool { return tp.ID == u.Purpose }) ||
			slices.ContainsFunc(before.Unbound, func(st Statement) bool { return slices.Contains(st.IDs, u.Purpose) }) {
			continue
		}
		out = append(slices.Clip(out), u.Purpose)
	}
	return out
}

// effectiveKept reports whether the sheet after has an effective date and
// the analysis changes none.
func effectiveKept(a *Analysis, after *FactSheet) bool {
	if slices.ContainsFunc(a.Dates, func(d DateChange) bool { return d.Role == RoleEffective }) {
		return false
	}
	return slices.ContainsFunc(after.Dates, func(d DateFact) bool { return d.Role == RoleEffective })
}

// topicDiff returns the ids of kind that after has and before lacks, and
// the reverse, each in its sheet's (taxonomy) order, that the statement
// changes bear out: an id added needs a statement added that mentions it,
// an id removed a statement removed. A statement cut at maxStatementBytes
// stands for itself too, since the text past the cut, which changes do
// not see, may be what mentions the id.
func topicDiff(before, after *FactSheet, kind Kind, changes []StatementChange) (added, removed []string) {
	ids := func(sh *FactSheet) []string {
		var out []string
		for _, tp := range sh.Topics {
			if tp.Kind == kind {
				out = append(out, tp.ID)
			}
		}
		return out
	}
	o, n := ids(before), ids(after)
	added, removed = []string{}, []string{}
	for _, id := range n {
		if !slices.Contains(o, id) && borneOut(id, Added, changes, after) {
			added = append(added, id)
		}
	}
	for _, id := range o {
		if !slices.Contains(n, id) && borneOut(id, Removed, changes, before) {
			removed = append(removed, id)
		}
	}
	return added, removed
}

// borneOut reports whether a statement change of kind c mentions id, or a
// statement of sh (the sheet the change is seen in) cut short does.
func borneOut(id string, c Change, changes []StatementChange, sh *FactSheet) bool {
	for _, s := range changes {
		if s.Change == c && slices.Contains(s.IDs, id) {
			return true
		}
	}
	for _, st := range sh.Statements {
		if st.Cut && slices.Contains(st.IDs, id) {
			return true
		}
	}
	return false
}

// dateDiff compares the distinct dates of each role. A date repeated is
// not a change; dates that went and came in the same role are paired in
// order ("effective 2025-04-07 → 2025-05-27"), the rest stand alone.
//
// A date of no known role is the same date as one with a role in the
// other sentences that name it: it went only when the sheet after has it
// in no role at all (and came only when the one before had it in none), and
// a date that went or came with a role is not told again without one.
// Facebook's Data Policy gave its date of last revision in a banner as well
// ("We've updated our … Data Policy … on January 4, 2022."): both went in
// July 2022, and the summary said "Last updated 4 Jan 2022 → none. Date
// removed: 4 Jan 2022.", one date twice.
//
// Before that, the dates of a known role whose statements name the same
// purposes and data (their subject) are paired by it: "You can object to AI
// training until 26 May 2025. You can object to ads until 30 June 2025."
// with the two dates swapped holds the same dates in the same role, and
// the AI-training deadline moved by five weeks.
func dateDiff(before, after []DateFact) []DateChange {
	before, after = asWritten(before), asWritten(after)
	out := []DateChange{}
	has := func(facts []DateFact, date string) bool {
		return slices.ContainsFunc(facts, func(x DateFact) bool { return x.Date == date })
	}
	// The dates that went, and came, in a known role.
	var wentKnown, cameKnown []DateFact
	for _, role := range []DateRole{RoleEffective, RoleUpdated, RoleUpcoming, RoleStart, RoleDeadline, RoleOther} {
		o, n := distinctDates(before, role), distinctDates(after, role)
		if role != RoleOther {
			var paired []DateChange
			paired, o, n = pairBySubject(o, n)
			for _, c := range paired {
				c.Role = role
				out = append(out, c)
				wentKnown = append(wentKnown, DateFact{Date: c.Old})
				cameKnown = append(cameKnown, DateFact{Date: c.New})
			}
		}
		o, n = uniqueDates(o), uniqueDates(n)
		var gone, came []DateFact
		for _, d := range o {
			if role == RoleOther && (has(after, d.Date) || has(wentKnown, d.Date)) {
				continue
			}
			if !has(n, d.Date) {
				gone = append(gone, d)
			}
		}
		for _, d := range n {
			if role == RoleOther && (has(before, d.Date) || has(cameKnown, d.Date)) {
				continue
			}
			if !has(o, d.Date) {
				came = append(came, d)
			}
		}
		wentKnown, cameKnown = append(wentKnown, gone...), append(cameKnown, came...)
		for i := 0; i < max(len(gone), len(came)); i++ {
			c := DateChange{Role: role}
			if i < len(gone) {
				c.Old, c.Quote, c.Use = gone[i].Date, gone[i].Quote, gone[i].use
			}
			if i < len(came) {
				c.New, c.Quote, c.Use = came[i].Date, came[i].Quote, came[i].use
			}
			out = append(out, c)
		}
	}
	return out
}

// asWritten returns facts with each date whose year was inferred as the
// text wrote it, a day and month (--MM-DD): a change compares what the
// policy says. The year comes from the version's own dates, so an
// unchanged "until 27 May" under a policy re-dated from May to June would
// otherwise read as a deadline moved by a year.
func asWritten(facts []DateFact) []DateFact {
	if !slices.ContainsFunc(facts, func(d DateFact) bool { return d.YearInferred }) {
		return facts
	}
	out := slices.Clone(facts)
	for i := range out {
		if d := &out[i]; d.YearInferred && len(d.Date) == len("2006-01-02") {
			d.Date = "--" + d.Date[5:]
		}
	}
	return out
}

// distinctDates returns the facts of role, one per date and subject.
func distinctDates(facts []DateFact, role DateRole) []DateFact {
	var out []DateFact
	for _, d := range facts {
		if d.Role == role && !slices.ContainsFunc(out, func(x DateFact) bool { return x.Date == d.Date && x.subject == d.subject }) {
			out = append(out, d)
		}
	}
	return out
}

// uniqueDates returns facts with one fact per date, the first.
func uniqueDates(facts []DateFact) []DateFact {
	var out []DateFact
	for _, d := range facts {
		if !slices.ContainsFunc(out, func(x DateFact) bool { return x.Date == d.Date }) {
			out = append(out, d)
		}
	}
	return out
}

// pairBySubject pairs, of each subject that both o and n have dates of,
// the dates that went with those that came, and returns those changes and
// what is left of o and n, with the subject's dates that stayed dropped
// too: a subject whose dates changed is told by its subject only.
func pairBySubject(o, n []DateFact) (changes []DateChange, restO, restN []DateFact) {
	subjects := map[string]bool{}
	for _, d := range o {
		if d.subject != "" && slices.ContainsFunc(n, func(x DateFact) bool { return x.subject == d.subject }) {
			subjects[d.subject] = true
		}
	}
	moved := map[string]bool{}
	for subject := range subjects {
		var gone, came []DateFact
		for _, d := range o {
			if d.subject == subject && !slices.ContainsFunc(n, func(x DateFact) bool { return x.subject == subject && x.Date == d.Date }) {
				gone = append(gone, d)
			}
		}
		for _, d := range n {
			if d.subject == subject && !slices.ContainsFunc(o, func(x DateFact) bool { return x.subject == subject && x.Date == d.Date }) {
				came = append(came, d)
			}
		}
		if len(gone) == 0 || len(came) == 0 {
			continue // a date added or removed beside the others: the sets tell it
		}
		moved[subject] = true
		for i := range min(len(gone), len(came)) {
			changes = append(changes, DateChange{Old: gone[i].Date, New: came[i].Date, Quote: came[i].Quote, Subject: subject, Use: came[i].use})
		}
		for _, d := range gone[min(len(gone), len(came)):] {
			changes = append(changes, DateChange{Old: d.Date, Quote: d.Quote, Subject: subject, Use: d.use})
		}
		for _, d := range came[min(len(gone), len(came)):] {
			changes = append(changes, DateChange{New: d.Date, Quote: d.Quote, Subject: subject, Use: d.use})
		}
	}
	// In the order of the sheet after, as the rest of dateDiff.
	slices.SortStableFunc(changes, func(a, b DateChange) int {
		return slices.IndexFunc(n, func(x DateFact) bool { return x.Date == a.New && x.subject == a.Subject }) -
			slices.IndexFunc(n, func(x DateFact) bool { return x.Date == b.New && x.subject == b.Subject })
	})
	keep := func(facts []DateFact) []DateFact {
		var out []DateFact
		for _, d := range facts {
			if !moved[d.subject] {
				out = append(out, d)
			}
		}
		return out
	}
	return changes, keep(o), keep(n)
}

// statementDiff returns the statements of after whose key before has fewer
// of, and the reverse, removed first, each in document order. A text that
// stands in the other sheet unbound is there all the same: that its
// purposes count in one sheet and not in the other is its context's doing.
// It also returns how many times each text (by key) stands in each sheet,
// counting or unbound.
func statementDiff(before, after *FactSheet) (changes []StatementChange, inOld, inNew map[string]int) {
	var f folder
	keys := func(sts []Statement) []string {
		out := make([]string, len(sts))
		for i, st := range sts {
			out[i] = f.key(st.Text)
		}
		return out
	}
	// How many times each text stands in a sheet, counting or unbound.
	counts := func(stated []string, unbound []Statement) map[string]int {
		m := make(map[string]int, len(stated)+len(unbound))
		for _, k := range stated {
			m[k]++
		}
		for _, k := range keys(unbound) {
			m[k]++
		}
		return m
	}
	oldKeys, newKeys := keys(before.Statements), keys(after.Statements)
	inOld, inNew = counts(oldKeys, before.Unbound), counts(newKeys, after.Unbound)
	oldLeft := maps.Clone(inOld)
	// gone counts what before states more times than after has the text;
	// the first of them in document order are the ones removed.
	gone := make(map[string]int, len(oldKeys))
	for _, k := range oldKeys {
		gone[k]++
	}
	for k := range gone {
		gone[k] -= inNew[k]
	}
	out := []StatementChange{}
	for i, k := range oldKeys {
		if gone[k] > 0 {
			gone[k]--
			out = append(out, change(Removed, before.Statements[i]))
		}
	}
	for i, k := range newKeys {
		if oldLeft[k] > 0 {
			oldLeft[k]--
			continue
		}
		out = append(out, change(Added, after.Statements[i]))
	}
	return out, inOld, inNew
}

func change(c Change, st Statement) StatementChange {
	return StatementChange{Change: c, IDs: st.IDs, Quote: st.Text, Section: st.Section}
}

// objectionFormChanges compares the links offered with the right to
// object before and after. Targets are compared by linkTarget, without
// query and fragment, which carry tokens that churn.
//
// A form whose link text after still offers at another target moved: the
// forms of one text (folded) whose targets the other sheet lacks under that
// text are paired in order, old with new. Meta's "right to object to" went
// from one contact form to another in 2023 and to a generic help page in
// 2026, and both changes were told only as effective dates. A form left
// unpaired is kept when after offers its target under another text (a
// link reworded) or still offers its text (another form of the same
// words); otherwise it is gone.
func objectionFormChanges(before, after *FactSheet) (gone []Link, moved []FormMove) {
	var f folder
	type form struct {
		link         Link
		text, target string
	}
	forms := func(sh *FactSheet) []form {
		var out []form
		for _, l := range sh.ObjectionForms() {
			out = append(out, form{link: l, text: f.key(l.Text), target: linkTarget(l.Href)})
		}
		return out
	}
	oldForms, newForms := forms(before), forms(after)
	offers := func(forms []form, text, target string) bool {
		return slices.ContainsFunc(forms, func(x form) bool { return x.text == text && x.target == target })
	}
	// pending holds, by text, the new forms not yet paired whose target the
	// sheet before lacks under that text.
	pending := map[string][]form{}
	for _, n := range newForms {
		if !offers(oldForms, n.text, n.target) && !slices.ContainsFunc(pending[n.text], func(x form) bool { return x.target == n.target }) {
			pending[n.text] = append(pending[n.text], n)
		}
	}
	var done []form // old forms already told, by text and target
	for _, o := range oldForms {
		if strings.HasPrefix(o.link.Href, "#") {
			continue // a note in the page, not a form
		}
		if offers(newForms, o.text, o.target) || offers(done, o.text, o.target) {
			continue
		}
		done = append(done, o)
		if p := pending[o.text]; len(p) > 0 {
			pending[o.text] = p[1:]
			moved = append(moved, FormMove{Text: o.link.Text, Old: o.link.Href, New: p[0].link.Href})
			continue
		}
		kept := slices.ContainsFunc(newForms, func(n form) bool { return n.target == o.target || n.text == o.text })
		if !kept { // a second link of the same text and target was skipped above (done)
			gone = append(gone, o.link)
		}
	}
	return gone, moved
}

// linkTarget is what a link leads to: its host, lower-cased and without
// "www.", and its path without a trailing slash. Scheme, query and
// fragment are left out: they change with tokens and redirections, not
// with the page.
func linkTarget(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	return strings.TrimPrefix(strings.ToLower(u.Host), "www.") + strings.TrimSuffix(u.Path, "/")
}

// shortHref writes a link for people: without its query and fragment,
// whose tokens say nothing to a reader.
func shortHref(href string) string {
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

// severity ranks a change: critical when the policy takes more (a category
// or purpose added, data newly used for AI training or minors', sensitive
// or biometric data newly used for any purpose: see criticalUse), sets or
// moves a deadline or the day AI training starts (the day to object
// before), or takes away the right to object or its form; notable when a
// binding date moves (the start of another use among them), something is
// no longer collected, a purpose uses other data than before (any other
// use added, any use removed), or an objection form moved; info for
// wording and for dates of no known role (RoleOther), which the summary
// still names. effectiveKept says the policy keeps its effective date
// unchanged.
//
// A text not analysed (NotAnalysed) whose sentences changed is notable:
// what changed cannot be told, and "Wording only." would hide an AI
// training clause added in German; a reader of the digest or the web view
// reads the diff. Not critical, an immediate alert to every subscriber for
// each reworded sentence of a language nobody reads here; its dates still
// rate as any. But a sentence added that names AI (AIMentions: "KI",
// "IA", "intelligenza artificiale") is critical: Meta's step into AI
// training, on its Portuguese page, would otherwise have reached nobody
// at the default threshold, and the words that name AI are few and
// plain in every language.
//
// A form that moved is notable, not critical: the right and a link to
// exercise it are still there in the same words, and whether the new page
// still lets one object cannot be told from its address (Meta's went from
// one contact form to another in 2023, routine plumbing, and to a generic
// help page in 2026). Critical is an immediate alert at every subscriber's
// default threshold, kept for what certainly takes something away: a form
// gone, the right gone, a deadline. Notable puts the move in the digest,
// the web view and the summary, where a journalist reads it.
//
// An updated date that goes while the effective date stays is info: it is
// a notice of a revision ("We updated our Privacy Policy on December 16,
// 2025.") taken down once read, while the date that binds stays as it was.
// A last-updated date that comes or moves is a revision, and one that goes
// with no effective date left takes the policy's only date: those stay
// notable.
func severity(a *Analysis, formsGone []Link, effectiveKept bool) Severity {
	critical := len(a.ScopeAdded) > 0 || len(a.PurposesAdded) > 0 || slices.ContainsFunc(a.UsesAdded, criticalUse) ||
		slices.Contains(a.RightsRemoved, "object") || len(formsGone) > 0 || len(a.AIMentions) > 0
	notable := len(a.ScopeRemoved) > 0 || len(a.PurposesRemoved) > 0 || len(a.UsesAdded) > 0 || len(a.UsesRemoved) > 0 ||
		len(a.RightsAdded) > 0 || len(a.RightsRemoved) > 0 || len(a.FormsMoved) > 0 ||
		a.NotAnalysed != "" && a.SentencesAdded+a.SentencesRemoved > 0
	for _, d := range a.Dates {
		switch d.Role {
		case RoleDeadline:
			if d.New != "" {
				critical = true
			} else {
				notable = true
			}
		case RoleUpdated:
			if d.New != "" || !effectiveKept {
				notable = true
			}
		case RoleStart:
			if d.New != "" && d.StartsAITraining() {
				critical = true
			} else {
				notable = true
			}
		case RoleEffective, RoleUpcoming:
			notable = true
		}
	}
	switch {
	case critical:
		return SeverityCritical
	case notable:
		return SeverityNotable
	}
	return SeverityInfo
}

// roleNames are the names of the date roles for people, in the summary
// and, but for the deadline's (DateRoleName), wherever dates are listed.
var roleNames = map[DateRole]string{
	RoleEffective: "Effective date",
	RoleUpdated:   "Last updated",
	RoleUpcoming:  "Upcoming update",
	RoleStart:     "Use starts", // "AI training starts" when it is AI training (roleName)
	RoleDeadline:  "Deadline",
	RoleOther:     "Date",
}

// roleName is the summary's name of a date of role role whose statement
// starts use: "AI training starts" for the day AI training starts (label
// names the use), the day to object before; else the role's name, "Date"
// for a role unknown.
func roleName(role DateRole, use string, label func(id string) string) string {
	if (DateChange{Role: role, Use: use}).StartsAITraining() {
		return label(use) + " starts"
	}
	if name := roleNames[role]; name != "" {
		return name
	}
	return roleNames[RoleOther]
}

// DateRoleName names the role of a date for people, one way in every
// message, feed and page that lists dates: "Effective date", "Deadline to
// object", "AI training starts". use is the date's DateChange.Use
// (DateFact.Use of a fact sheet's date), label the taxonomy's label of an
// id. It is the summary's name (roleName), but for a deadline: a list of
// dates has room to say what it is a deadline for, a subject has not. The
// start of another use than AI training, and one recorded before the use
// was kept, read "Use starts". The name is not escaped: callers do, as
// for any text.
func DateRoleName(role DateRole, use string, label func(id string) string) string {
	if role == RoleDeadline {
		return "Deadline to object"
	}
	return roleName(role, use, label)
}

// StartsAITraining reports whether a date change is of the day AI training
// starts: what people must object before, as a deadline. The summary
// names it "AI training starts", and so should what else shows the change
// (notify's messages); a change stored before DateChange.Use was says
// nothing of what starts, and is none.
func (d DateChange) StartsAITraining() bool {
	return d.Role == RoleStart && d.Use == "ai_training"
}

// summary says the analysis in plain sentences, most serious first:
// "Deadline none → 26 May 2025. Purpose added: AI training. AI training
// uses: Posts, Comments. Effective date 7 Apr 2025 → 27 May 2025." A
// deadline comes first, and the day AI training starts with it: they are
// what a reader must act on, by a date, and the summary is an email's
// subject, cut at its end.
func summary(a *Analysis, formsGone []Link, newPurposes []string, labels map[string]string) string {
	var parts []string
	if a.NotAnalysed != "" {
		what := fmt.Sprintf("%d %s added, %d removed, see the diff", a.SentencesAdded, plural("sentence", a.SentencesAdded), a.SentencesRemoved)
		if a.SentencesAdded+a.SentencesRemoved == 0 {
			what = "no sentence changed but for case, accents, punctuation or spacing"
		}
		switch n := len(a.AIMentions); {
		case n > 0:
			// First, and quoted: the summary is an email's subject, and
			// what the sentence says of AI is for the reader to tell.
			which := "an added sentence mentions AI"
			if n > 1 {
				which = fmt.Sprintf("%d added sentences mention AI, the first", n)
			}
			name := languageNames[a.NotAnalysed]
			if name == "" {
				name = a.NotAnalysed
			}
			parts = append(parts, fmt.Sprintf("Not analysed (%s): %s: %q; %s.", name, which, truncate(a.AIMentions[0], maxSummaryQuote), what))
		default:
			parts = append(parts, fmt.Sprintf("Not analysed: no patterns for %s; %s.", languageName(a.NotAnalysed), what))
		}
	}
	label := func(id string) string {
		if l := labels[id]; l != "" {
			return l
		}
		return id
	}
	for _, d := range a.Dates {
		if d.Role == RoleDeadline || d.StartsAITraining() {
			parts = append(parts, fmt.Sprintf("%s %s → %s.", dateName(a, d, label), HumanDate(d.Old), HumanDate(d.New)))
		}
	}
	list := func(ids []string) string {
		names := make([]string, len(ids))
		for i, id := range ids {
			names[i] = label(id)
		}
		return strings.Join(names, ", ")
	}
	signed := func(added, removed []string) string {
		var items []string
		for _, id := range added {
			items = append(items, "+ "+label(id))
		}
		for _, id := range removed {
			items = append(items, "− "+label(id))
		}
		return strings.Join(items, ", ")
	}
	if len(a.PurposesAdded) > 0 {
		parts = append(parts, plural("Purpose", len(a.PurposesAdded))+" added: "+list(a.PurposesAdded)+".")
	}
	if len(a.PurposesRemoved) > 0 {
		parts = append(parts, plural("Purpose", len(a.PurposesRemoved))+" removed: "+list(a.PurposesRemoved)+".")
	}
	// What AI training uses comes before what is collected; the other
	// uses after it, those that make the change critical (minors',
	// sensitive or biometric data) first: the summary is an email's
	// subject, and "Collected: + Biometric" must not be cut for "Safety
	// now also uses minors' data: Photos".
	aiAdded, criticalAdded, otherAdded := splitUses(a.UsesAdded)
	aiRemoved, criticalRemoved, otherRemoved := splitUses(a.UsesRemoved)
	parts = append(parts, usesSummary(aiAdded, true, newPurposes, label)...)
	parts = append(parts, usesSummary(aiRemoved, false, nil, label)...)
	if len(a.ScopeAdded)+len(a.ScopeRemoved) > 0 {
		parts = append(parts, "Collected: "+signed(a.ScopeAdded, a.ScopeRemoved)+".")
	}
	parts = append(parts, usesSummary(criticalAdded, true, newPurposes, label)...)
	parts = append(parts, usesSummary(otherAdded, true, newPurposes, label)...)
	parts = append(parts, usesSummary(append(criticalRemoved, otherRemoved...), false, nil, label)...)
	if len(a.RightsAdded)+len(a.RightsRemoved) > 0 {
		parts = append(parts, "Rights: "+signed(a.RightsAdded, a.RightsRemoved)+".")
	}
	for _, l := range formsGone {
		parts = append(parts, fmt.Sprintf("Objection form gone: %q.", l.Text))
	}
	for _, m := range a.FormsMoved {
		parts = append(parts, fmt.Sprintf("Objection form %q moved: %s → %s.", m.Text, shortHref(m.Old), shortHref(m.New)))
	}
	var others []DateChange
	for _, d := range a.Dates {
		switch d.Role {
		case RoleOther:
			others = append(others, d)
			continue
		case RoleDeadline:
			continue // first
		}
		if d.StartsAITraining() {
			continue // first
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s.", dateName(a, d, label), HumanDate(d.Old), HumanDate(d.New)))
	}
	parts = append(parts, otherDates(others)...)
	if len(parts) == 0 {
		added, removed := 0, 0
		for _, s := range a.Statements {
			if s.Change == Added {
				added++
			} else {
				removed++
			}
		}
		if added+removed == 0 {
			return "Wording only."
		}
		return fmt.Sprintf("No change to categories, purposes, rights or dates; %d %s added, %d removed.", added, plural("statement", added), removed)
	}
	return strings.Join(parts, " ")
}

// maxSummaryQuote is the longest quote a summary holds, in bytes.
const maxSummaryQuote = 120

// dateName names the role of a date change, with what its statement is
// about when another change of the role stands beside it: "Deadline (AI
// training) 26 May 2025 → 30 Jun 2025. Deadline (Advertising) 30 Jun 2025 →
// 26 May 2025." The day AI training starts is named by it, with label:
// "AI training starts 26 May 2025 → 27 May 2025".
func dateName(a *Analysis, d DateChange, label func(string) string) string {
	name := roleName(d.Role, d.Use, label)
	if d.Subject == "" {
		return name
	}
	n := 0
	for _, o := range a.Dates {
		if o.Role == d.Role {
			n++
		}
	}
	if n < 2 {
		return name
	}
	return name + " (" + d.Subject + ")"
}

// languageNames are the names of the languages a watched policy is likely
// in (Meta publishes its EU policy in each EU language).
var languageNames = map[string]string{
	"bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek", "es": "Spanish",
	"et": "Estonian", "fi": "Finnish", "ga": "Irish", "hr": "Croatian", "hu": "Hungarian", "it": "Italian",
	"lt": "Lithuanian", "lv": "Latvian", "mt": "Maltese", "nl": "Dutch", "no": "Norwegian", "nb": "Norwegian",
	"pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish",
	"tr": "Turkish", "ru": "Russian", "uk": "Ukrainian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic",
}

// languageName names a language code for people: "German (de)", or the
// code alone.
func languageName(code string) string {
	if n := languageNames[code]; n != "" {
		return n + " (" + code + ")"
	}
	return code
}

// maxOtherDates is how many changes of dates without a role a summary
// spells out; the rest are counted.
const maxOtherDates = 3

// otherDates says the changes of dates that no cue gave a role, after the
// dates that have one: they bind nobody that the analysis knows of, but a
// date that moved is never "wording only" ("Date changed: 14 Jul 2026 →
// 1 Jul 2026.").
func otherDates(changes []DateChange) []string {
	var parts []string
	for i, d := range changes {
		if i == maxOtherDates {
			n := len(changes) - maxOtherDates
			parts = append(parts, fmt.Sprintf("%d more %s changed.", n, plural("date", n)))
			break
		}
		switch {
		case d.Old == "":
			parts = append(parts, "Date added: "+HumanDate(d.New)+".")
		case d.New == "":
			parts = append(parts, "Date removed: "+HumanDate(d.Old)+".")
		default:
			parts = append(parts, fmt.Sprintf("Date changed: %s → %s.", HumanDate(d.Old), HumanDate(d.New)))
		}
	}
	return parts
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// DayLayout is how a day is written for people ("7 Apr 2025"), in
// summaries, messages and the web view alike.
const DayLayout = "2 Jan 2006"

// HumanDate writes an ISO date of a fact sheet as people read it:
// "7 Apr 2025", "Jul 2026", "none". Summaries and the web view use it, so
// a date reads the same everywhere.
func HumanDate(iso string) string {
	if iso == "" {
		return "none"
	}
	if t, err := time.Parse(time.DateOnly, iso); err == nil {
		return t.Format(DayLayout)
	}
	if t, err := time.Parse("2006-01", iso); err == nil {
		return t.Format("Jan 2006")
	}
	// A day and month whose year no date of the policy gave.
	if t, err := time.Parse("--01-02", iso); err == nil {
		return t.Format("2 Jan")
	}
	return iso
}

// useDiff returns the uses that after binds and before does not, and the
// reverse, in the sheets' order. As with topics, only a statement whose
// text changed is evidence: a use is added only where one of the
// statements that bind it — the one naming the data, the title, heading,
// lead-in or row title naming the purpose, the one naming minors — stands
// in after more times than in before (inNew, inOld: statementDiff's
// counts), and the change quotes that place (of several, the shortest
// quote). Lines moved from one block to another unchanged change no use
// the analysis can quote, and are not told.
func useDiff(before, after *FactSheet, inOld, inNew map[string]int) (added, removed []UseChange) {
	type id struct {
		purpose, category string
		minors            bool
	}
	index := func(sh *FactSheet) map[id]bool {
		m := make(map[id]bool, len(sh.Uses))
		for _, u := range sh.Uses {
			m[id{u.Purpose, u.Category, u.Minors}] = true
		}
		return m
	}
	diff := func(from *FactSheet, other map[id]bool, more, fewer map[string]int) []UseChange {
		var out []UseChange
		for _, u := range from.Uses {
			if other[id{u.Purpose, u.Category, u.Minors}] {
				continue
			}
			var best *useBinding
			for i := range u.bindings {
				bd := &u.bindings[i]
				if (best == nil || len(bd.quote) < len(best.quote)) && slices.ContainsFunc(bd.keys, func(k string) bool { return more[k] > fewer[k] }) {
					best = bd
				}
			}
			if best != nil {
				out = append(out, UseChange{Purpose: u.Purpose, Category: u.Category, Minors: u.Minors,
					Quote: best.quote, Context: best.context, Section: best.section})
			}
		}
		return out
	}
	return diff(after, index(before), inNew, inOld), diff(before, index(after), inOld, inNew)
}

// criticalUse reports whether a use added makes a change critical: AI
// training on any data ("Meta now trains AI on X", the alert people must
// act on), or any purpose newly using minors', sensitive or biometric
// data. Other uses added are notable: a purpose the policy named, using
// data it named, now put together.
func criticalUse(u UseChange) bool {
	if u.Purpose == "ai_training" || u.Minors {
		return true
	}
	switch u.Category {
	case "minors", "sensitive", "biometric":
		return true
	}
	return false
}

// splitUses parts uses into AI training's, the other ones criticalUse
// says, and the rest, each in its order.
func splitUses(uses []UseChange) (ai, critical, other []UseChange) {
	for _, u := range uses {
		switch {
		case u.Purpose == "ai_training":
			ai = append(ai, u)
		case criticalUse(u):
			critical = append(critical, u)
		default:
			other = append(other, u)
		}
	}
	return ai, critical, other
}

// maxUsesNamed is how many categories the uses added (and those removed)
// name in a summary; the rest are counted. A page rewritten whole may
// bind many.
const maxUsesNamed = 4

// usesSummary says the uses added (or removed) by purpose, in their order:
// "AI training now also uses minors' data: Posts, Comments, Audio, Public
// content — “Public content you or others create…”." A category added for
// minors alone among others is marked "(minors')". Only the first purpose
// is quoted; past maxUsesNamed categories the rest are counted. A purpose
// the change adds (newPurposes) "uses" its data rather than "now also"
// using it.
func usesSummary(changes []UseChange, added bool, newPurposes []string, label func(string) string) []string {
	type category struct {
		id             string
		others, minors bool
	}
	var parts []string
	named := 0
	for i := 0; i < len(changes); {
		j := i
		for j < len(changes) && changes[j].Purpose == changes[i].Purpose {
			j++
		}
		if named == maxUsesNamed {
			n := distinctUses(changes[i:])
			parts = append(parts, fmt.Sprintf("%d more %s %s.", n, plural("use", n), map[bool]string{true: "added", false: "removed"}[added]))
			break
		}
		var cats []category
		for _, c := range changes[i:j] {
			k := slices.IndexFunc(cats, func(x category) bool { return x.id == c.Category })
			if k < 0 {
				k = len(cats)
				cats = append(cats, category{id: c.Category})
			}
			if c.Minors {
				cats[k].minors = true
			} else {
				cats[k].others = true
			}
		}
		verb := "now also uses"
		switch {
		case !added:
			verb = "no longer uses"
		case slices.Contains(newPurposes, changes[i].Purpose):
			verb = "uses"
		}
		allMinors := !slices.ContainsFunc(cats, func(c category) bool { return c.others })
		if allMinors {
			verb += " minors' data"
		} else {
			// Minors' data first: past maxUsesNamed the rest is counted,
			// and an email's subject is cut at its end. Meta's step of 28
			// May 2025 read "AI training uses: Posts, Comments, Audio,
			// Public content and 2 more.", the two being minors' AI
			// interactions and messages.
			slices.SortStableFunc(cats, func(x, y category) int {
				return cmpBool(!(x.minors && !x.others), !(y.minors && !y.others))
			})
		}
		var names []string
		for _, c := range cats {
			if named == maxUsesNamed {
				break
			}
			name := label(c.id)
			if c.minors && !c.others && !allMinors {
				name += " (minors')"
			}
			names = append(names, name)
			named++
		}
		list := strings.Join(names, ", ")
		if rest := len(cats) - len(names); rest > 0 {
			list += fmt.Sprintf(" and %d more", rest)
		}
		// No quote: the summary is an email's subject, and the uses' quotes
		// are the analysis's (UsesAdded, UsesRemoved) for the body.
		parts = append(parts, label(changes[i].Purpose)+" "+verb+": "+list+".")
		i = j
	}
	return parts
}

// distinctUses counts the purposes and categories among changes, each
// pair once whatever its audiences.
func distinctUses(changes []UseChange) int {
	seen := map[[2]string]bool{}
	for _, c := range changes {
		seen[[2]string{c.Purpose, c.Category}] = true
	}
	return len(seen)
}
