package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

func factsCommand() *command {
	type opts struct{ json bool }
	return &command{
		name: "facts", args: "WATCH [VERSION] [--json]", minArgs: 1, maxArgs: 2,
		short: "what a version says it collects, why, which rights, which dates",
		long: `Prints the fact sheet of a version (the current one when none is given):
the data categories, purposes and rights it mentions (ids from the
taxonomy), which data each purpose uses (minors' apart; the JSON quotes
where the policy says so), the statements that mention them with their
section, its age limits, and every date with its role (effective,
updated, deadline, upcoming, start, other) as an ISO date; a start date
with the use it starts (the purpose's id, "use" in the JSON, e.g.
ai_training; absent when the policy names none).

Examples:
  policywatch facts meta-privacy-policy
  policywatch facts meta-privacy-policy 12 --json | jq '.dates'`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.json, "json", false, "print the fact sheet as JSON")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			v, err := versionArg(ctx, a, args[0], argAt(args, 1))
			if err != nil {
				return err
			}
			facts := monitor.Facts(a.taxonomy(), v)
			if o.(*opts).json {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(facts)
			}
			writeFacts(a.stdout, a.taxonomy(), v, facts)
			return nil
		},
	}
}

func writeFacts(w io.Writer, tax *analyze.Taxonomy, v *monitor.Version, f *analyze.FactSheet) {
	fmt.Fprintf(w, "%s, version %d (first seen %s), read in %q\n", v.Watch, v.ID, timeText(v.FirstSeen), f.Language)
	if f.NotAnalysed {
		// Else its empty lists read as a policy that says nothing.
		fmt.Fprintf(w, "Not analysed: the taxonomy has no patterns in %q; only its dates are read.\n", f.Language)
	}
	for _, kind := range []analyze.Kind{analyze.KindCategory, analyze.KindPurpose, analyze.KindRight} {
		var ids []string
		for _, t := range f.Topics {
			if t.Kind == kind {
				ids = append(ids, fmt.Sprintf("%s (%d)", t.ID, t.Count))
			}
		}
		fmt.Fprintf(w, "\n%s: %s\n", kindTitle(kind), orNone(strings.Join(ids, ", ")))
	}
	writeUses(w, tax, f.Uses)
	if len(f.AgeLimits) > 0 {
		fmt.Fprintf(w, "\nAge limits: %v\n", f.AgeLimits)
	}
	fmt.Fprintf(w, "\nDates:\n")
	if len(f.Dates) == 0 {
		fmt.Fprintln(w, "  none found")
	}
	for _, d := range f.Dates {
		fmt.Fprintf(w, "  %-9s %-10s %s%q\n", d.Role, d.Date, startedUse(tax, d.Use()), shortQuote(d.Quote))
	}
	if forms := f.ObjectionForms(); len(forms) > 0 {
		fmt.Fprintf(w, "\nWhere to object:\n")
		for _, l := range forms {
			// A form's text is often its address: said once.
			if text := strings.TrimSpace(l.Text); text == "" || text == l.Href {
				fmt.Fprintf(w, "  %s\n", printable(l.Href))
			} else {
				fmt.Fprintf(w, "  %s: %s\n", printable(shortQuote(l.Text)), printable(l.Href))
			}
		}
	}
	fmt.Fprintf(w, "\nStatements (%d):\n", len(f.Statements))
	for _, s := range f.Statements {
		fmt.Fprintf(w, "  [%s] %s%s\n", strings.Join(s.IDs, ","), sectionPrefix(s.Section), printable(shortQuote(s.Text)))
	}
}

// writeUses says which data each purpose uses, a line a purpose, the
// minors' data apart: "AI training: Posts, Comments, Public content;
// minors': Posts". The quotes are the JSON's.
func writeUses(w io.Writer, tax *analyze.Taxonomy, uses []analyze.Use) {
	if len(uses) == 0 {
		fmt.Fprintf(w, "\nUses: none found\n")
		return
	}
	type purpose struct {
		id             string
		others, minors []string
	}
	var purposes []*purpose
	for _, u := range uses {
		i := slices.IndexFunc(purposes, func(p *purpose) bool { return p.id == u.Purpose })
		if i < 0 {
			i = len(purposes)
			purposes = append(purposes, &purpose{id: u.Purpose})
		}
		p := purposes[i]
		if u.Minors {
			p.minors = append(p.minors, label(tax, u.Category))
		} else {
			p.others = append(p.others, label(tax, u.Category))
		}
	}
	fmt.Fprintf(w, "\nUses:\n")
	for _, p := range purposes {
		var parts []string
		if len(p.others) > 0 {
			parts = append(parts, strings.Join(p.others, ", "))
		}
		if len(p.minors) > 0 {
			parts = append(parts, "minors': "+strings.Join(p.minors, ", "))
		}
		fmt.Fprintf(w, "  %s: %s\n", label(tax, p.id), strings.Join(parts, "; "))
	}
}

// startedUse names, for a start date, the use it starts, then a space:
// "(AI training) "; "" when the date names none (another role, or a
// change recorded before the use was kept). The role column says "start",
// as the JSON does; this says of what, as the JSON's "use" does.
func startedUse(tax *analyze.Taxonomy, use string) string {
	if use == "" {
		return ""
	}
	return "(" + label(tax, use) + ") "
}

// label names a taxonomy id for people (the configuration's taxonomy can
// name it, hence printable).
func label(tax *analyze.Taxonomy, id string) string { return printable(tax.Label(id, "en")) }

func kindTitle(k analyze.Kind) string {
	switch k {
	case analyze.KindCategory:
		return "Data categories"
	case analyze.KindPurpose:
		return "Purposes"
	case analyze.KindRight:
		return "Rights"
	}
	return string(k)
}

func orNone(s string) string {
	if s == "" {
		return "none found"
	}
	return s
}

func sectionPrefix(s string) string {
	if s == "" {
		return ""
	}
	return "(" + printable(s) + ") " // a heading of the page
}

// shortQuote keeps a quote to one readable line.
func shortQuote(s string) string {
	const max = 240
	if len([]rune(s)) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

func explainCommand() *command {
	type opts struct{ json bool }
	return &command{
		name: "explain", args: "WATCH [VERSION] [--json]", minArgs: 1, maxArgs: 2,
		short: "what changed in scope, purposes, rights and dates in one version",
		long: `Shows the change analysis of the event that made VERSION (the current one
when none is given) current, a change or a revert: categories and purposes
added or removed, rights gained or lost, the data each purpose now uses or
no longer uses (quoted, with their section), objection forms moved (old →
new), dates moved (old → new; a start date with the use it starts), and
the added and removed statements that mention them, quoted, with their
section.

Examples:
  policywatch explain meta-privacy-policy
  policywatch explain meta-privacy-policy 12`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.json, "json", false, "print the event, analysis included, as JSON")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			v, err := versionArg(ctx, a, args[0], argAt(args, 1))
			if err != nil {
				return err
			}
			events, err := a.db.Events(ctx, monitor.EventFilter{Watch: v.Watch, Kinds: []monitor.EventKind{monitor.KindChange, monitor.KindRevert, monitor.KindBaseline}})
			if err != nil {
				return err
			}
			var ev *monitor.Event
			for i := range events {
				if events[i].Version == v.ID {
					ev = &events[i] // the last event that made it current
				}
			}
			if ev == nil {
				return fmt.Errorf("no event made version %d current", v.ID)
			}
			if o.(*opts).json {
				return json.NewEncoder(a.stdout).Encode(ev)
			}
			writeExplanation(a.stdout, a.taxonomy(), ev)
			return nil
		},
	}
}

func writeExplanation(w io.Writer, tax *analyze.Taxonomy, e *monitor.Event) {
	fmt.Fprintf(w, "%s — %s, %s (%s)\n%s\n", e.Watch, e.Kind, timeText(e.Time), e.Severity, printable(e.Summary))
	a := e.Analysis
	if a == nil {
		fmt.Fprintln(w, "\nNo analysis: this is the first version (compare later versions with it).")
		return
	}
	lists := []struct {
		title string
		ids   []string
	}{
		{"Collected, added", a.ScopeAdded}, {"Collected, removed", a.ScopeRemoved},
		{"Purposes added", a.PurposesAdded}, {"Purposes removed", a.PurposesRemoved},
		{"Rights added", a.RightsAdded}, {"Rights removed", a.RightsRemoved},
	}
	fmt.Fprintln(w)
	for _, l := range lists {
		if len(l.ids) > 0 {
			fmt.Fprintf(w, "%-19s %s\n", l.title+":", strings.Join(l.ids, ", "))
		}
	}
	if len(a.UsesAdded)+len(a.UsesRemoved) > 0 {
		fmt.Fprintln(w, "\nUses:")
		for _, g := range analyze.GroupUses(a.UsesAdded, a.UsesRemoved) {
			sign := "+"
			if !g.Added {
				sign = "−"
			}
			cats := g.Categories(func(id string) string { return label(tax, id) })
			fmt.Fprintf(w, "  %s %s uses %s\n      %s%s\n", sign, label(tax, g.Uses[0].Purpose), strings.Join(cats, ", "),
				sectionPrefix(g.Uses[0].Section), printable(shortQuote(g.Uses[0].Quote)))
			if c := g.Uses[0].Context; c != "" {
				fmt.Fprintf(w, "      under: %s\n", printable(shortQuote(c)))
			}
		}
	}
	if len(a.FormsMoved) > 0 {
		fmt.Fprintln(w)
		for _, m := range a.FormsMoved {
			fmt.Fprintf(w, "Objection form moved: %s: %s → %s\n", printable(shortQuote(m.Text)), printable(m.Old), printable(m.New))
		}
	}
	if len(a.Dates) > 0 {
		fmt.Fprintln(w, "\nDates:")
		for _, d := range a.Dates {
			fmt.Fprintf(w, "  %-9s %s → %s%s\n            %q\n", d.Role, orDash(d.Old), orDash(d.New), strings.TrimSuffix(" "+startedUse(tax, d.Use), " "), shortQuote(d.Quote))
		}
	}
	if len(a.Statements) > 0 {
		fmt.Fprintln(w, "\nStatements:")
		for _, s := range a.Statements {
			sign := "+"
			if s.Change == analyze.Removed {
				sign = "−"
			}
			fmt.Fprintf(w, "  %s [%s] %s%s\n", sign, strings.Join(s.IDs, ","), sectionPrefix(s.Section), printable(shortQuote(s.Quote)))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
