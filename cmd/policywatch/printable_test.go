package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// spoofing are the runes no command may print raw: the bidirectional
// embeddings, overrides, isolates and marks ("Trojan Source"), and other
// invisible format characters.
var spoofing = []rune{
	'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', // embeddings, overrides, their pop
	'\u2066', '\u2067', '\u2068', '\u2069', // isolates
	'\u200E', '\u200F', '\u061C', // marks
	'\u200B', '\u2060', '\uFEFF', '\u2028', // zero-width space, word joiner, BOM, line separator
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text, accents é, 日本語", "plain text, accents é, 日本語"},
		{"abc\u202Efed\u202C", "abc<U+202E>fed<U+202C>"},
		{"\u2066x\u2069 \u200F1 2\u200F", "<U+2066>x<U+2069> <U+200F>1 2<U+200F>"},
		{"a\x1b[2J\tb\r\nc\u0085", "a<U+001B>[2J<U+0009>b<U+000D><U+000A>c<U+0085>"},
		{"zero\u200Bwidth\uFEFF\u2028", "zero<U+200B>width<U+FEFF><U+2028>"},
		{"tag\U000E0041", "tag<U+E0041>"},
		// The joiners move nothing and some scripts need them.
		{"می\u200Cخواهم 👩\u200D💻", "می\u200Cخواهم 👩\u200D💻"},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := printableLines("one\u202E\ntwo\tthree\n"); got != "one<U+202E>\ntwo<U+0009>three\n" {
		t.Errorf("printableLines: %q", got)
	}
}

// TestCommandsEscapeSpoofingRunes: a hostile page whose title, text,
// headings and links carry right-to-left overrides and isolates. Every
// command that prints its words as text shows each as <U+202E>, never the
// rune a terminal would reorder the line by.
func TestCommandsEscapeSpoofingRunes(t *testing.T) {
	c := newCLI(t)
	mail := newPlainSMTP(t)
	page := newPolicyServer(t)
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mail.addr))
	c.mustRun("subscribe", "ada@example.org")
	page.setTitle("Nimbus \u202Eycilop\u202C Privacy \u2067Policy\u2069")
	page.set("Effective March 3, 2026. Fees: \u202E0001\u202C euros.")
	outputs := map[string]string{"check (baseline)": c.mustRun("check")}

	// A notable change: it waits for the digest.
	page.set("Effective May 27, 2026. Fees: \u202E0001\u202C euros.")
	outputs["check (notable)"] = c.mustRun("check")
	outputs["digest --now --dry-run"] = c.mustRun("digest", "--now", "--dry-run")

	// A critical one, with a section and an objection form of the page's.
	page.set(`Effective May 27, 2026.</p><h2>Your rights ` + "\u202Eeht\u202C" + `</h2><p>We use public posts and photos you share to develop and improve artificial intelligence technology at Nimbus, including to train our AI models ` + "\u202Eton od ew\u202C" + `. You have the right to object to this use of your information with <a href="https://nimbus.example/object?` + "\u202E" + `">this ` + "\u202Emrof\u202C" + `</a>.`)
	outputs["check (critical)"] = c.mustRun("check")

	for _, args := range [][]string{
		{"history", "nimbus"},
		{"show", "nimbus"},
		{"show", "nimbus", "1"},
		{"diff", "nimbus"},
		{"diff", "nimbus", "--color", "always"},
		{"diff", "nimbus", "1", "2"},
		{"events"},
		{"watches"},
		{"facts", "nimbus"},
		{"explain", "nimbus"},
		{"explain", "nimbus", "2"},
	} {
		outputs[strings.Join(args, " ")] = c.mustRun(args...)
	}
	// Where the page's words surely are, their override is shown escaped.
	shows := map[string]string{
		"history nimbus":  "Nimbus <U+202E>ycilop<U+202C> Privacy <U+2067>Policy<U+2069>",
		"show nimbus 1":   "Fees: <U+202E>0001<U+202C> euros.",
		"show nimbus":     "# Your rights <U+202E>eht<U+202C>",
		"diff nimbus":     "AI models <U+202E>ton od ew<U+202C>",
		"diff nimbus 1 2": "Fees: <U+202E>0001<U+202C> euros.",
		"facts nimbus":    "this <U+202E>mrof<U+202C>",
		"explain nimbus":  "AI models <U+202E>ton od ew<U+202C>",
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			for _, r := range spoofing {
				if i := strings.IndexRune(out, r); i >= 0 {
					t.Errorf("prints %U raw at byte %d:\n%s", r, i, escapeForLog(out))
				}
			}
			if want, ok := shows[name]; ok && !strings.Contains(out, want) {
				t.Errorf("lacks %q:\n%s", want, escapeForLog(out))
			}
		})
	}
	// The use's quote and section, below its statement's, escaped too.
	if out := outputs["explain nimbus"]; !strings.Contains(out, "\nUses:\n  + AI training uses ") ||
		strings.Count(out, "(Your rights <U+202E>eht<U+202C>) We use public posts") < 2 {
		t.Errorf("explain nimbus: the uses lack their escaped quote:\n%s", escapeForLog(out))
	}
	for name := range shows {
		if _, ok := outputs[name]; !ok {
			t.Errorf("no output %q for its expectation", name)
		}
	}
}

// escapeForLog shows the runes a test failed on as Go escapes, so that the
// log of the failure does not reorder itself.
func escapeForLog(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\n' || (r < 0x80 && r >= ' ') || (r > 0xA0 && !strings.ContainsRune(string(spoofing), r)) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "\\u%04X", r)
		}
	}
	return b.String()
}

// TestErrorsArePrintable: an error is printed on a terminal as the rest
// of the output is, its control and direction characters escaped: a
// watch name typed with an escape sequence, or the raw bytes of a damaged
// database's schema in SQLite's words, reached the terminal as they were
// (a malformed schema printed "at\xff\xff\xff\xffts_…"). Its lines stay lines.
func TestErrorsArePrintable(t *testing.T) {
	for _, err := range []error{
		errors.New("unknown watch x\x1b[2J\u202e\nsecond line"),
		usageError{msg: "unknown watch x\x1b[2J\u202e\nsecond line", command: "diff"},
	} {
		var b bytes.Buffer
		exitCode(err, &b)
		if got := b.String(); strings.ContainsAny(got, "\x1b\u202e") || !strings.Contains(got, "x<U+001B>[2J<U+202E>\nsecond line") {
			t.Errorf("%T printed %q", err, got)
		}
	}
}
