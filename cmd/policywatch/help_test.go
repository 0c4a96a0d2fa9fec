package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// commonIgnored names, per command, the common options (--config, --db,
// -v) it does not read; every other command reads all three.
var commonIgnored = map[string][]string{
	"version": {"config", "db", "v"}, // prints what it was built from
	"config":  {"db", "v"},           // checks the file --config names, logs nothing
	"demo":    {"config", "db"},      // a made-up policy in a temporary database; refuses both
}

func readsCommonOption(cmd, name string) bool {
	return !slices.Contains(commonIgnored[cmd], name)
}

// ownFlags is the flag set of cmd's own options, the common ones left out.
func ownFlags(cmd *command) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	return fs
}

// helpOptionLine is an option's first line as flag.PrintDefaults writes it:
// "  -name", then a tab (a one-letter bool) or " TYPE" or the line's end.
var helpOptionLine = regexp.MustCompile(`(?m)^  -([A-Za-z0-9][A-Za-z0-9-]*)(?:[ \t]|$)`)

// helpOptions returns the options a command's help lists.
func helpOptions(help string) map[string]bool {
	listed := map[string]bool{}
	for _, m := range helpOptionLine.FindAllStringSubmatch(help, -1) {
		listed[m[1]] = true
	}
	return listed
}

// TestHelpListsTheOptionsItReads: 'policywatch COMMAND --help' lists every
// option of the command's own, and the common ones (--config, --db, -v)
// only when the command reads them: version's help listed --config and
// --db, which it ignores, and demo's the two it refuses.
func TestHelpListsTheOptionsItReads(t *testing.T) {
	cmds := commands()
	for name := range commonIgnored {
		if findCommand(cmds, name) == nil {
			t.Errorf("commonIgnored names %s, which is no command", name)
		}
	}
	for _, cmd := range cmds {
		t.Run(cmd.name, func(t *testing.T) {
			c := newCLI(t)
			help, _, err := c.run(cmd.name, "--help")
			if !errors.Is(err, errHelpShown) {
				t.Fatalf("%s --help: %v, want the help shown", cmd.name, err)
			}
			if other := c.mustRun("help", cmd.name); other != help {
				t.Errorf("'help %s' and '%s --help' differ:\n%s\n---\n%s", cmd.name, cmd.name, other, help)
			}
			listed := helpOptions(help)
			ownFlags(cmd).VisitAll(func(f *flag.Flag) {
				if !listed[f.Name] {
					t.Errorf("%s --help does not list -%s:\n%s", cmd.name, f.Name, help)
				}
			})
			for _, name := range []string{"config", "db", "v"} {
				if want := readsCommonOption(cmd.name, name); listed[name] != want {
					t.Errorf("%s --help lists -%s: %t, want %t (the command reads it: %t):\n%s", cmd.name, name, listed[name], want, want, help)
				}
			}
			// Nothing listed that the command line refuses.
			accepted := newFlagSet(cmd)
			registerCommon(accepted, &commonFlags{})
			if cmd.flags != nil {
				cmd.flags(accepted)
			}
			for name := range listed {
				if accepted.Lookup(name) == nil {
					t.Errorf("%s --help lists -%s, which the command does not take", cmd.name, name)
				}
			}
		})
	}
}

// readmeCommands parses the README's command table: for each command, the
// code spans of the table's first column that give its synopsis
// ("policywatch outbox [--all]", or "outbox --retry [ID...]" after it).
func readmeCommands(t *testing.T) (synopses map[string][]string, section string) {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n## Commands\n")
	if !ok {
		t.Fatal("README.md has no '## Commands' section")
	}
	section, _, _ = strings.Cut(after, "\n## ")
	span := regexp.MustCompile("`([^`]+)`")
	synopses = map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		// A cell's "|" is written "\|".
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
		for _, m := range span.FindAllStringSubmatch(cells[1], -1) {
			words := strings.Fields(strings.ReplaceAll(m[1], "\x00", "|"))
			if len(words) > 0 && words[0] == "policywatch" {
				words = words[1:]
			}
			if len(words) == 0 {
				t.Errorf("README command table: %q names no command", m[1])
				continue
			}
			synopses[words[0]] = append(synopses[words[0]], strings.Join(words, " "))
		}
	}
	if len(synopses) == 0 {
		t.Fatal("README.md's Commands section has no command table")
	}
	return synopses, section
}

// subcommandsOf matches the usage of an option that applies to some
// subcommands only, export's "events, warc: only watch `W`".
var subcommandsOf = regexp.MustCompile(`^([a-z]+(?:, [a-z]+)*): `)

// hasOption says whether text gives the option --name (not --name-more).
func hasOption(text, name string) bool {
	return regexp.MustCompile(`(?:^|[^A-Za-z0-9-])--` + regexp.QuoteMeta(name) + `(?:$|[^A-Za-z0-9-])`).MatchString(text)
}

// TestREADMECommandTable: the README's command table gives every command
// and, in its synopses, every option of the command's own, and no option
// the command does not take; it had drifted (no version, no --concurrency,
// no diff --color).
func TestREADMECommandTable(t *testing.T) {
	synopses, section := readmeCommands(t)
	cmds := commands()
	optionRef := regexp.MustCompile(`(?:^|[\s\[|])--?([a-z][a-z0-9-]*)`)
	for _, cmd := range cmds {
		spans := synopses[cmd.name]
		if len(spans) == 0 {
			t.Errorf("README command table lacks policywatch %s", cmd.name)
			continue
		}
		text := strings.Join(spans, "\n")
		ownFlags(cmd).VisitAll(func(f *flag.Flag) {
			if !hasOption(text, f.Name) {
				t.Errorf("README command table: policywatch %s lacks --%s (in %q)", cmd.name, f.Name, spans)
			}
		})
		// An option for some subcommands only ("events, warc: only watch
		// W") is in each of their synopses.
		ownFlags(cmd).VisitAll(func(f *flag.Flag) {
			m := subcommandsOf.FindStringSubmatch(f.Usage)
			if m == nil {
				return
			}
			for _, sub := range strings.Split(m[1], ", ") {
				found := false
				for _, s := range spans {
					if strings.HasPrefix(s, cmd.name+" "+sub+" ") && hasOption(s, f.Name) {
						found = true
					}
				}
				if !found {
					t.Errorf("README command table: policywatch %s %s lacks --%s (in %q)", cmd.name, sub, f.Name, spans)
				}
			}
		})
		accepted := ownFlags(cmd)
		for _, m := range optionRef.FindAllStringSubmatch(text, -1) {
			name := m[1]
			if accepted.Lookup(name) == nil && !(isCommon(name) && readsCommonOption(cmd.name, name)) {
				t.Errorf("README command table: policywatch %s has --%s, which it does not take (in %q)", cmd.name, name, spans)
			}
		}
	}
	var unknown []string
	for name := range synopses {
		if findCommand(cmds, name) == nil {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	for _, name := range unknown {
		t.Errorf("README command table gives policywatch %s, which is no command", name)
	}
	// The common options are described once, under the table.
	for _, opt := range []string{"`--config FILE`", "`--db FILE`", "`-v`", "`--help`"} {
		if !strings.Contains(section, opt) {
			t.Errorf("README's Commands section does not mention %s", opt)
		}
	}
}
