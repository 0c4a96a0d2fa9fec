package analyze

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled on its first use, not when the
// program starts. The date and age patterns are case-insensitive
// alternations of month names in six languages: compiled at start they
// cost every command 9 ms and a megabyte of live heap (GODEBUG=inittrace=1
// on `policywatch version`), although only reading a fact sheet uses them
// — never a check that finds nothing new, nor a first capture.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

// lazyRegexps are all the lazyPattern ones, for the test that compiles them.
var lazyRegexps []*lazyRegexp

func lazyPattern(src string) *lazyRegexp {
	p := &lazyRegexp{src: src}
	lazyRegexps = append(lazyRegexps, p)
	return p
}

// compiled is p's regular expression, compiled at the first call; a
// pattern that does not compile panics there, as regexp.MustCompile
// would at start (TestPatternsCompile compiles every one).
func (p *lazyRegexp) compiled() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.src) })
	return p.re
}
