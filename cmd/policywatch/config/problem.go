package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File         string
	Line, Column int    // 1-based; 0 when unknown
	Field        string // path of the field, e.g. "watches[2].schedule"; "" for the file as a whole
	Message      string
}

// String formats the problem the way compilers do, so that editors can jump
// to it: "file:line:col: field: message". Unknown parts are left out.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Warning formats the problem as a warning: "file:line:col: warning:
// field: message".
func (p Problem) Warning() string {
	q := p
	q.Field, q.Message = "warning", p.Message
	if p.Field != "" {
		q.Message = p.Field + ": " + p.Message
	}
	return q.String()
}

// Error is returned by Parse and Load when a file is not valid. It lists
// every problem found, in the order of the file.
type Error struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// newError returns the problems as an *Error, in the order of the file
// (problems found at the same place keep the order they were found in);
// nil when there are none.
func newError(ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &Error{Problems: ps}
}
