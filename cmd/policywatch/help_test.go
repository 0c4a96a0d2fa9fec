package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
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

// helpOptionLine is an option's first line as printOptions writes it:
// "  --name" (or "  -v"), then a tab (a one-letter bool) or " TYPE" or the
// line's end. It takes one dash or two, so that an option named otherwise
// than optionName says is still listed, and TestHelpNamesOptionsAsTyped
// finds it.
var helpOptionLine = regexp.MustCompile(`(?m)^  (--?)([A-Za-z0-9][A-Za-z0-9-]*)(?:[ \t]|$)`)

// helpOptions returns the options a command's help lists.
func helpOptions(help string) map[string]bool {
	listed := map[string]bool{}
	for _, m := range helpOptionLine.FindAllStringSubmatch(help, -1) {
		listed[m[2]] = true
	}
	return listed
}

// TestHelpNamesOptionsAsTyped: the options a command's help lists are
// named as its usage line, its messages and the README name them, --name
// (-v, a letter, with one dash). The list was flag.PrintDefaults's, -name,
// under a usage line saying --name. Both are accepted on the command line.
func TestHelpNamesOptionsAsTyped(t *testing.T) {
	c := newCLI(t)
	for _, cmd := range commands() {
		help := c.mustRun("help", cmd.name)
		lines := helpOptionLine.FindAllStringSubmatch(help, -1)
		if len(lines) == 0 && readsCommonOption(cmd.name, "v") {
			t.Errorf("%s --help lists no option:\n%s", cmd.name, help)
		}
		for _, m := range lines {
			if got, want := m[1]+m[2], optionName(m[2]); got != want {
				t.Errorf("%s --help lists %s, want %s:\n%s", cmd.name, got, want, help)
			}
		}
		// The usage line and the list agree.
		usage, _, _ := strings.Cut(help, "\n")
		ownFlags(cmd).VisitAll(func(f *flag.Flag) {
			if strings.Contains(usage, "[-"+f.Name) {
				t.Errorf("%s's usage line names -%s with one dash: %q", cmd.name, f.Name, usage)
			}
		})
	}
	// Listed as --name, taken as --name and as -name.
	c.mustRun("watches") // the database events reads
	for _, args := range [][]string{{"events", "--kind", "change"}, {"events", "-kind", "change"}, {"events", "--kind=change"}, {"events", "-kind=change"}} {
		if _, stderr, err := c.run(args...); err != nil || stderr != "no events\n" {
			t.Errorf("policywatch %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
	}
	// Everything else as PrintDefaults wrote it: the value's name, the
	// usage on the next line, the default.
	help := c.mustRun("help", "diff")
	for _, want := range []string{
		"\n  --color auto\n    \tcolour the diff: auto, always or never (default \"auto\")\n",
		"\n  --context lines\n    \tlines of context around each change (0 or more) (default 3)\n",
		"\n  -v\tverbose: debug logging\n",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("diff --help lacks %q:\n%s", want, help)
		}
	}
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
					t.Errorf("%s --help does not list %s:\n%s", cmd.name, optionName(f.Name), help)
				}
			})
			for _, name := range []string{"config", "db", "v"} {
				if want := readsCommonOption(cmd.name, name); listed[name] != want {
					t.Errorf("%s --help lists %s: %t, want %t (the command reads it: %t):\n%s", cmd.name, optionName(name), listed[name], want, want, help)
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
					t.Errorf("%s --help lists %s, which the command does not take", cmd.name, optionName(name))
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

// synopsisArity returns the numbers of arguments (not options) a synopsis
// allows, up to most: "WATCH [A [B]] [--json]" allows 1, 2 and 3. ok is
// false for a synopsis it cannot read (alternatives "a | b", "[...]").
func synopsisArity(synopsis string, most int) (counts map[int]bool, ok bool) {
	synopsis = strings.NewReplacer("[", " [ ", "]", " ] ").Replace(synopsis)
	tokens := strings.Fields(synopsis)
	counts, i, ok := arityOf(tokens, 0, most)
	return counts, ok && i == len(tokens)
}

// arityOf reads tokens from i to the end or a "]", and returns the numbers
// of arguments they allow and where it stopped.
func arityOf(tokens []string, i, most int) (map[int]bool, int, bool) {
	counts := map[int]bool{0: true}
	add := func(these map[int]bool) {
		sums := map[int]bool{}
		for a := range counts {
			for b := range these {
				if a+b <= most {
					sums[a+b] = true
				}
			}
		}
		counts = sums
	}
	upTo := func(from int) map[int]bool {
		m := map[int]bool{}
		for n := from; n <= most; n++ {
			m[n] = true
		}
		return m
	}
	for i < len(tokens) && tokens[i] != "]" {
		tok := tokens[i]
		i++
		switch {
		case tok == "[":
			option := i < len(tokens) && strings.HasPrefix(tokens[i], "-")
			inner, next, ok := arityOf(tokens, i, most)
			if !ok || next == len(tokens) {
				return nil, i, false
			}
			i = next + 1 // past "]"
			repeated := i < len(tokens) && tokens[i] == "..."
			if repeated {
				i++
			}
			switch {
			case option:
				// an option and its value, as often as it is given
			case repeated:
				return nil, i, false
			default:
				inner[0] = true
				add(inner)
			}
		case tok == "|" || tok == "...":
			return nil, i, false
		case strings.HasPrefix(tok, "-"):
			// an option outside brackets (digest --now)
		case strings.HasSuffix(tok, "..."):
			add(upTo(1))
		default:
			add(map[int]bool{1: true})
		}
	}
	return counts, i, true
}

// TestUsageLineGivesTheArgumentsTaken: a command's usage line allows the
// numbers of arguments the command takes, no more and no fewer: diff's
// said "WATCH [A B]" (a watch alone or with two versions), though diff
// takes one version too.
func TestUsageLineGivesTheArgumentsTaken(t *testing.T) {
	const most = 6
	for _, tc := range []struct {
		synopsis string
		want     []int
	}{
		{"WATCH [A [B]] [--color auto|always|never]", []int{1, 2, 3}},
		{"WATCH [A B]", []int{1, 3}},
		{"[WATCH...] [--json]", []int{0, 1, 2, 3, 4, 5, 6}},
		{"EMAIL [--watch W]... [--digest daily|weekly|none]", []int{1}},
		{"--now [--dry-run]", []int{0}},
		{"", []int{0}},
	} {
		counts, ok := synopsisArity(tc.synopsis, most)
		var got []int
		for n := range counts {
			got = append(got, n)
		}
		sort.Ints(got)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("synopsisArity(%q) = %v, %t; want %v", tc.synopsis, got, ok, tc.want)
		}
	}
	read := 0
	for _, cmd := range commands() {
		allowed, ok := synopsisArity(cmd.args, most)
		if !ok {
			continue // export's, outbox's: alternatives
		}
		read++
		for n := 0; n <= most; n++ {
			takes := n >= cmd.minArgs && (cmd.maxArgs < 0 || n <= cmd.maxArgs)
			if allowed[n] != takes {
				t.Errorf("usage %q allows %d arguments: %t, but policywatch %s takes them: %t", "policywatch "+cmd.name+" "+cmd.args, n, allowed[n], cmd.name, takes)
			}
		}
	}
	if read < len(commands())/2 {
		t.Errorf("only %d usage lines read", read)
	}
}

// TestDiffTakesWhatItsUsageSays: diff's usage and help say what it does
// with no version, one and two — each form run on a history of three
// versions — and a third version is refused with that usage.
func TestDiffTakesWhatItsUsageSays(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	for _, text := range []string{"Effective March 3, 2026", "Effective May 27, 2026", "Effective June 1, 2026"} {
		srv.set(text)
		c.mustRun("check")
	}
	var v []string // the version numbers, oldest first
	for _, line := range strings.Split(strings.TrimSpace(c.mustRun("history", "nimbus")), "\n")[1:] {
		v = append(v, strings.Fields(line)[0])
	}
	if len(v) != 3 {
		t.Fatalf("history has %d versions, want 3: %v", len(v), v)
	}
	help := c.mustRun("help", "diff")
	usage, _, _ := strings.Cut(help, "\n")
	if want := "Usage: policywatch diff WATCH [A [B]]"; usage != want {
		t.Errorf("diff's usage is %q, want %q", usage, want)
	}
	for _, want := range []string{"with no version, the\nlatest against the one first seen before it", "with one, A against the one\nfirst seen before it", "with two, A against B", "policywatch diff meta-privacy-policy 7\n"} {
		if !strings.Contains(help, want) {
			t.Errorf("diff's help lacks %q:\n%s", want, help)
		}
	}
	for _, tc := range []struct {
		args             []string
		older, newer     string
		removed, written string
	}{
		{nil, v[1], v[2], "May 27", "June 1"},
		{[]string{"latest"}, v[1], v[2], "May 27", "June 1"},
		{[]string{v[1]}, v[0], v[1], "March 3", "May 27"},
		{[]string{v[0], v[2]}, v[0], v[2], "March 3", "June 1"},
		{[]string{v[2], v[0]}, v[2], v[0], "June 1", "March 3"}, // in the order given
		// As events prints them ("v27"), copied from its output.
		{[]string{"v" + v[1]}, v[0], v[1], "March 3", "May 27"},
		{[]string{"v" + v[0], "V" + v[2]}, v[0], v[2], "March 3", "June 1"},
	} {
		args := append([]string{"diff", "nimbus", "--color", "never"}, tc.args...)
		out := c.mustRun(args...)
		for _, want := range []string{
			"--- nimbus version " + tc.older + " (", "+++ nimbus version " + tc.newer + " (",
			"-Effective " + tc.removed, "+Effective " + tc.written,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("policywatch %s lacks %q:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	wantError(t, c, true, []string{"diff", "nimbus", v[0], v[1], v[2]}, "usage: policywatch diff WATCH [A [B]]")
	wantError(t, c, false, []string{"diff", "nimbus", v[0]}, "version "+v[0]+" is the first of nimbus: nothing to compare it with")
}

// TestHelpDescribesConfigAsTheCommandReadsIt: --config's description is
// what the command does with it. config check's said "else the built-in
// Meta watch list", though it checks a file and, without one, refuses to
// run; the built-in list is for the commands that load a configuration.
func TestHelpDescribesConfigAsTheCommandReadsIt(t *testing.T) {
	c := newCLI(t)
	described := regexp.MustCompile(`(?m)^  --config FILE\n\s+(.*)$`)
	for _, cmd := range commands() {
		help := c.mustRun("help", cmd.name)
		m := described.FindStringSubmatch(help)
		if m == nil {
			if readsCommonOption(cmd.name, "config") {
				t.Errorf("%s --help does not describe --config:\n%s", cmd.name, help)
			}
			continue
		}
		usage := m[1]
		builtIn := strings.Contains(usage, "built-in")
		switch {
		case cmd.name == "config":
			for _, want := range []string{"FILE to check", "$POLICYWATCH_CONFIG", "required"} {
				if !strings.Contains(usage, want) {
					t.Errorf("config check's --config: %q lacks %q", usage, want)
				}
			}
			if strings.Contains(usage, "else the built-in") {
				t.Errorf("config check's --config: %q says a built-in file is checked without one", usage)
			}
		case cmd.noConf:
			t.Errorf("%s --help describes --config (%q), but the command loads no configuration", cmd.name, usage)
		case !builtIn || !strings.Contains(usage, "$POLICYWATCH_CONFIG"):
			t.Errorf("%s's --config: %q does not say that without a file the command runs with the built-in configuration", cmd.name, usage)
		}
	}
	// --db says what is done to the database where that is not using it.
	for cmd, want := range map[string]string{"restore": "FILE to replace", "backup": "FILE to copy", "verify": "FILE to verify"} {
		m := regexp.MustCompile(`(?m)^  --db FILE\n\s+(.*)$`).FindStringSubmatch(c.mustRun("help", cmd))
		if m == nil || !strings.Contains(m[1], want) || !strings.Contains(m[1], "$POLICYWATCH_DB") {
			t.Errorf("%s's --db: %q, want it to say %q and $POLICYWATCH_DB", cmd, m, want)
		}
	}
	// What config check's help says it does without a file.
	wantError(t, c, true, []string{"config", "check"}, "name the file with --config FILE (or POLICYWATCH_CONFIG)")
	// And what the others': the built-in watch list.
	if out := c.mustRun("watches"); !strings.Contains(out, "meta-privacy-policy") {
		t.Errorf("watches without a configuration:\n%s", out)
	}
}

// TestUnreadOptionsAreRefused: a common option given on the command line
// to a command that does not read it ('version --db F', 'config check
// -v') is a usage error (exit status 2) naming it; it used to be taken
// without a word, as if it did something. The environment
// (POLICYWATCH_DB, POLICYWATCH_CONFIG) is still ignored by those
// commands: it is set for every command.
func TestUnreadOptionsAreRefused(t *testing.T) {
	c := newCLI(t)
	config := writeConfig(t, "watches:\n  - name: nimbus\n    url: https://example.org/privacy\n")
	values := map[string][]string{
		"config": {"--config", config},
		"db":     {"--db", filepath.Join(t.TempDir(), "other.db")},
		"v":      {"-v"},
	}
	before := map[string][]string{"config": {"check"}} // the arguments the command needs
	for cmd, names := range commonIgnored {
		for _, name := range names {
			for _, args := range [][]string{
				slices.Concat([]string{cmd}, before[cmd], values[name]),
				slices.Concat(values[name], []string{cmd}, before[cmd]), // before the command, as in git
			} {
				_, _, err := c.run(args...)
				var stderr bytes.Buffer
				code := exitCode(err, &stderr)
				first, _, _ := strings.Cut(stderr.String(), "\n")
				want := "does not read " + optionName(name) + ":"
				if code != 2 || !strings.Contains(first, want) {
					t.Errorf("policywatch %s: exit %d, %q; want a usage error (exit 2) saying %q", strings.Join(args, " "), code, stderr.String(), want)
				}
			}
		}
	}
	for _, tc := range []struct {
		args   []string
		option string
	}{
		{[]string{"--version", "--db", "x.db"}, "--db"},
		{[]string{"--version", "-v"}, "-v"},
		{[]string{"--db", "x.db", "--version"}, "--db"}, // the option first, as for the other commands
		{[]string{"-v", "-version"}, "-v"},
		{[]string{"--db", "x.db", "--version=true"}, "--db"},
	} {
		if _, _, err := c.run(tc.args...); !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "version does not read "+tc.option) {
			t.Errorf("policywatch %s: %v, want version's refusal", strings.Join(tc.args, " "), err)
		}
	}
	// The environment names the database and the configuration of every
	// command: those that do not read them go on without a word.
	c.env["POLICYWATCH_CONFIG"] = config
	for _, args := range [][]string{{"version"}, {"--version"}, {"config", "check"}} {
		out, stderr, err := c.run(args...)
		if err != nil || out == "" || stderr != "" {
			t.Errorf("policywatch %s with POLICYWATCH_DB and POLICYWATCH_CONFIG set: %v, %q, stderr %q", strings.Join(args, " "), err, out, stderr)
		}
	}
	// The options a command reads are taken.
	c.mustRun("config", "check", "--config", config)
}

// TestHelpHelp: the overview ends "Run 'policywatch help COMMAND'", and
// 'policywatch help help' answered unknown command "help", exit status 2.
// It prints the overview, as 'policywatch help' does.
func TestHelpHelp(t *testing.T) {
	c := newCLI(t)
	if got, want := c.mustRun("help", "help"), c.mustRun("help"); got != want {
		t.Errorf("help help:\n%s\nwant the overview:\n%s", got, want)
	}
}

// TestParseErrorsNameOptionsAsTyped: a mistake in the options is reported
// naming the option as the help and the usage line do, --name (-v): the
// flag package's messages said -name, even of --name as typed.
func TestParseErrorsNameOptionsAsTyped(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--bogus"}, "check: flag provided but not defined: --bogus"},
		{[]string{"check", "-x"}, "check: flag provided but not defined: -x"},
		{[]string{"events", "--watch"}, "events: flag needs an argument: --watch"},
		{[]string{"check", "-concurrency", "x"}, `check: invalid value "x" for flag --concurrency: want a whole number, at least 1`},
		{[]string{"check", "--json=maybe"}, `check: invalid boolean value "maybe" for --json: parse error`},
		{[]string{"events", "-v=nope"}, `events: invalid boolean value "nope" for -v: parse error`},
		// A value quoting another option is the value.
		{[]string{"outbox", `--limit=" for flag -x`}, `outbox: invalid value "\" for flag -x" for flag --limit: want a whole number, at least 1`},
	} {
		_, _, err := c.run(tc.args...)
		if !errors.As(err, new(usageError)) || err.Error() != tc.want {
			t.Errorf("policywatch %s: %v, want the usage error %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
