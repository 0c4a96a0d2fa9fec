package analyze

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kind says what a taxonomy entry names.
type Kind string

const (
	KindCategory Kind = "category" // a kind of data collected or used
	KindPurpose  Kind = "purpose"  // what data is used for
	KindRight    Kind = "right"    // what people may do about it
)

// Entry is one id of the taxonomy with its labels and patterns, each keyed
// by language ("en", "fr"). See taxonomy.yaml for the pattern syntax.
type Entry struct {
	ID       string              `yaml:"id" json:"id"`
	Kind     Kind                `yaml:"kind,omitempty" json:"kind,omitempty"`
	Labels   map[string]string   `yaml:"labels,omitempty" json:"labels,omitempty"`
	Patterns map[string][]string `yaml:"patterns,omitempty" json:"patterns,omitempty"`
	// Unless are phrases in which a match of Patterns means something
	// else: "post" in "we will post the updated policy" is no post, and
	// "location" in "the location of our data centers" no one's location.
	// A match that one of them overlaps is not the entry's.
	Unless map[string][]string `yaml:"unless,omitempty" json:"unless,omitempty"`
}

// Taxonomy is the data the analysis reads policies with: its entries, the
// phrases that name personal data, and the cues of date roles. Build one
// with DefaultTaxonomy or ParseTaxonomy. Its methods may be called
// concurrently, except Extend, which must not run alongside any other.
type Taxonomy struct {
	entries      []Entry
	byID         map[string]int
	personalData map[string][]string
	formLinkSrc  map[string][]string
	fillers      map[string]map[string]bool // language → folded little words
	roles        []roleSpec
	langs        []string // languages that have patterns, sorted

	terms     *matcher // entry patterns (target: entry index) and personal data (target: personalDataTarget)
	unless    *matcher // entries' unless phrases (target: entry index)
	hasUnless []bool   // per entry: it has unless phrases
	before    *matcher // date cues just before a date (target: index in roles)
	anywhere  *matcher // date cues anywhere in a statement (target: index in roles)
	announce  *matcher // cues of an announced update that reach the next statement of their block
	borrows   *matcher // words of a statement about a deadline itself (roleSpec.Borrows)
	overrule  *matcher // phrases before a date that its role's cue does not hold after (roleSpec.Unless)
	uses      *matcher // phrases of a use of data to come, without which the start role's cues that need one do not hold (roleSpec.Uses)
	lapses    *matcher // cues of a date after which the objection is denied (roleSpec.Lapses)
	limits    *matcher // cues that read as a time limit on the reader (roleSpec.Limits)
	formLinks *matcher // link texts that make a link an objection form
	requires  [][]int  // per role: entry indexes one of which its statement must mention
	deadline  int      // index in roles of the deadline role, -1 none

	dates *dateReader
}

const personalDataTarget = -1

// taxonomyFile is the YAML document ParseTaxonomy reads.
type taxonomyFile struct {
	Entries      []Entry             `yaml:"entries"`
	PersonalData map[string][]string `yaml:"personal_data"`
	DateFillers  map[string][]string `yaml:"date_fillers"`
	DateRoles    []roleSpec          `yaml:"date_roles"`
	FormLinks    map[string][]string `yaml:"objection_links"`
}

type roleSpec struct {
	Role     DateRole            `yaml:"role"`
	Before   map[string][]string `yaml:"before"`
	Touching map[string][]string `yaml:"touching"`
	Anywhere map[string][]string `yaml:"anywhere"`
	// Announce cues are anywhere cues of an announced update that also
	// reach the statement after theirs in the same block ("We are updating
	// our Privacy Policy. The new policy takes effect on 27 May 2025.").
	// Only the upcoming role has them.
	Announce map[string][]string `yaml:"announce"`
	Requires []string            `yaml:"requires"`
	// Borrows are the words of a statement about the date itself ("The
	// deadline is …", "submit the form by …") that let it take the ids
	// its role requires from the statement before it or earlier in its
	// paragraph: "You have the right to object. The deadline is 26 May
	// 2025." Without them a date beside an objection is not its deadline:
	// "You can object to ads. We keep logs until 1 June 2025."
	Borrows map[string][]string `yaml:"borrows"`
	// Unless are phrases of the text before a date after which its role's
	// cues do not hold: the company acting on data ("We keep server logs
	// until …", "we will delete your data by …") sets no deadline of the
	// reader's, whatever heading or objection stands around it. A phrase
	// that the reader ("you", "vous") or the objection's terms (the
	// requires ids, the borrows words) follow before the date does not
	// hold: "We will stop using your posts if you object before …".
	Unless map[string][]string `yaml:"unless"`
	// Lapses are cues touching a date after which the statement denies
	// what the role requires: "After 26 May 2025, you can no longer
	// object", "Vous ne pourrez plus vous opposer après le 26 mai 2025"
	// end the objection then, so the date is its deadline. Only in a
	// statement whose right is denied from a time on (see timeBound):
	// "After 26 May 2025, you can object" sets none. Only the deadline
	// role has them.
	Lapses map[string][]string `yaml:"lapses"`
	// Limits are the cues among Before and Touching that read as a time
	// limit on the reader ("by", "before", "until", "no later than",
	// "jusqu'au", "avant le"): a date whose objection only the nearest
	// heading names ("How to object") is a deadline only after one of
	// them, in a statement that reads as one (see readsAsLimit). "This
	// offer expires …", "The law of … applies until …" under it are not.
	// Only the deadline role has them.
	Limits map[string][]string `yaml:"limits"`
	// Uses are phrases that say data will be used ("will use", "will be
	// used", "utiliserons"): the role's cues hold only in a statement
	// that holds one, not denied ("will no longer use", "ne seront pas
	// utilisées" are none; see negation.go), and names data or a purpose.
	// "Starting 27 May 2025, we will use your public posts to train our
	// AI" starts a use; "Starting 27 May 2025, the updated policy will
	// apply" falls to the next cue, upcoming's. Only start has them.
	Uses map[string][]string `yaml:"uses"`
}

//go:embed taxonomy.yaml
var defaultTaxonomyYAML []byte

// DefaultTaxonomy returns a new copy of the built-in taxonomy
// (taxonomy.yaml), which the caller may Extend.
func DefaultTaxonomy() *Taxonomy {
	t, err := ParseTaxonomy(defaultTaxonomyYAML)
	if err != nil {
		panic("analyze: built-in taxonomy: " + err.Error()) // caught by the package's tests
	}
	return t
}

// ParseTaxonomy reads a whole taxonomy document in the format of the
// built-in taxonomy.yaml. Unknown fields are errors, so that a misspelt key
// does not silently drop patterns.
func ParseTaxonomy(data []byte) (*Taxonomy, error) {
	var file taxonomyFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("taxonomy: %w", err)
	}
	t := &Taxonomy{byID: map[string]int{}, dates: newDateReader()}
	for i, e := range file.Entries {
		if err := validateEntry(e, true); err != nil {
			return nil, entryError(i, e, err)
		}
		if _, dup := t.byID[e.ID]; dup {
			return nil, entryError(i, e, errors.New("duplicate id"))
		}
		t.byID[e.ID] = len(t.entries)
		t.entries = append(t.entries, cloneEntry(e))
	}
	t.personalData = file.PersonalData
	t.formLinkSrc = file.FormLinks
	t.fillers = map[string]map[string]bool{}
	var f folder
	for lang, words := range file.DateFillers {
		set := map[string]bool{}
		for _, w := range words {
			for _, fw := range f.fold(w) {
				set[fw] = true
			}
		}
		t.fillers[lang] = set
	}
	t.roles = file.DateRoles
	if err := t.compile(); err != nil {
		return nil, err
	}
	return t, nil
}

// Extend adds entries to the taxonomy, typically from the config file. An
// entry with a new id is added (it needs a kind, a label and patterns); one
// with an existing id adds its patterns and labels to that entry (its kind,
// if given, must agree). Nothing changes unless every entry is valid; the
// error names the first bad one.
func (t *Taxonomy) Extend(entries []Entry) error {
	next := slices.Clone(t.entries)
	byID := make(map[string]int, len(t.byID)+len(entries))
	maps.Copy(byID, t.byID)
	for i, e := range entries {
		at, exists := byID[e.ID]
		if err := validateEntry(e, !exists); err != nil {
			return entryError(i, e, err)
		}
		if !exists {
			byID[e.ID] = len(next)
			next = append(next, cloneEntry(e))
			continue
		}
		old := cloneEntry(next[at])
		if e.Kind != "" && e.Kind != old.Kind {
			return entryError(i, e, fmt.Errorf("kind %q differs from the existing entry's %q", e.Kind, old.Kind))
		}
		maps.Copy(old.Labels, e.Labels)
		for lang, ps := range e.Patterns {
			old.Patterns[lang] = append(old.Patterns[lang], ps...)
		}
		for lang, ps := range e.Unless {
			old.Unless[lang] = append(old.Unless[lang], ps...)
		}
		next[at] = old
	}
	saved, savedByID := t.entries, t.byID
	t.entries, t.byID = next, byID
	if err := t.compile(); err != nil {
		t.entries, t.byID = saved, savedByID
		_ = t.compile() // the old set compiled before
		return err
	}
	return nil
}

// Label returns the id's label in lang ("fr", "fr-FR"), falling back to
// English and then to the id itself.
func (t *Taxonomy) Label(id, lang string) string {
	i, ok := t.byID[id]
	if !ok {
		return id
	}
	labels := t.entries[i].Labels
	if l := labels[BaseLang(lang)]; l != "" {
		return l
	}
	if l := labels["en"]; l != "" {
		return l
	}
	return id
}

var (
	idPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	langPattern = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// validateEntry checks one entry; complete says it must stand on its own
// (a new id) rather than add to an existing one.
func validateEntry(e Entry, complete bool) error {
	if e.ID == "" {
		return errors.New("missing id")
	}
	if !idPattern.MatchString(e.ID) {
		return errors.New("id must be lower-case letters, digits and _, starting with a letter")
	}
	switch e.Kind {
	case KindCategory, KindPurpose, KindRight:
	case "":
		if complete {
			return errors.New("missing kind (category, purpose or right)")
		}
	default:
		return fmt.Errorf("unknown kind %q (want category, purpose or right)", e.Kind)
	}
	if complete && len(e.Labels) == 0 {
		return errors.New("no label")
	}
	for lang := range e.Labels {
		if !langPattern.MatchString(lang) {
			return fmt.Errorf("label language %q: want a code like en or fr", lang)
		}
	}
	n := 0
	for lang, ps := range e.Patterns {
		if !langPattern.MatchString(lang) {
			return fmt.Errorf("pattern language %q: want a code like en or fr", lang)
		}
		for _, p := range ps {
			if _, err := compilePattern(p); err != nil {
				return fmt.Errorf("pattern %q (%s): %w", p, lang, err)
			}
			n++
		}
	}
	if complete && n == 0 {
		return errors.New("no patterns")
	}
	for lang, ps := range e.Unless {
		if !langPattern.MatchString(lang) {
			return fmt.Errorf("unless language %q: want a code like en or fr", lang)
		}
		for _, p := range ps {
			if _, err := compilePattern(p); err != nil {
				return fmt.Errorf("unless %q (%s): %w", p, lang, err)
			}
		}
	}
	return nil
}

func entryError(i int, e Entry, err error) error {
	if e.ID == "" {
		return fmt.Errorf("taxonomy entry #%d: %w", i+1, err)
	}
	return fmt.Errorf("taxonomy entry %q: %w", e.ID, err)
}

func cloneEntry(e Entry) Entry {
	c := Entry{ID: e.ID, Kind: e.Kind, Labels: map[string]string{}, Patterns: map[string][]string{}, Unless: map[string][]string{}}
	maps.Copy(c.Labels, e.Labels)
	for k, v := range e.Patterns {
		c.Patterns[k] = slices.Clone(v)
	}
	for k, v := range e.Unless {
		c.Unless[k] = slices.Clone(v)
	}
	return c
}

// compile builds the matchers from the entries, personal-data phrases and
// date roles.
func (t *Taxonomy) compile() error {
	langs := map[string]bool{}
	// addAll compiles phrases, language by language in a stable order,
	// into list, each aimed at target; an error names what, the phrase
	// and its language.
	addAll := func(list *[]*pattern, target int, phrases map[string][]string, what string) error {
		for _, lang := range slices.Sorted(maps.Keys(phrases)) {
			for _, src := range phrases[lang] {
				ts, err := compilePattern(src)
				if err != nil {
					return fmt.Errorf("%s %q (%s): %w", what, src, lang, err)
				}
				langs[lang] = true
				*list = append(*list, &pattern{lang: lang, target: target, terms: ts})
			}
		}
		return nil
	}
	var terms, unless []*pattern
	t.hasUnless = make([]bool, len(t.entries))
	for i, e := range t.entries {
		if err := addAll(&terms, i, e.Patterns, "pattern"); err != nil {
			return entryError(i, e, err)
		}
		n := len(unless)
		if err := addAll(&unless, i, e.Unless, "unless"); err != nil {
			return entryError(i, e, err)
		}
		t.hasUnless[i] = len(unless) > n
	}
	if err := addAll(&terms, personalDataTarget, t.personalData, "taxonomy personal_data"); err != nil {
		return err
	}
	var forms []*pattern
	if err := addAll(&forms, 0, t.formLinkSrc, "taxonomy objection_links"); err != nil {
		return err
	}
	var before, anywhere, announce, borrows, overrule, uses, lapses, limits []*pattern
	t.requires = make([][]int, len(t.roles))
	t.deadline = -1
	for r, spec := range t.roles {
		if spec.Role == RoleDeadline && t.deadline < 0 {
			t.deadline = r
		}
		switch spec.Role {
		case RoleEffective, RoleUpdated, RoleDeadline, RoleUpcoming, RoleStart:
		default:
			return fmt.Errorf("taxonomy date role %q: want effective, updated, deadline, upcoming or start", spec.Role)
		}
		if len(spec.Announce) > 0 && spec.Role != RoleUpcoming {
			return fmt.Errorf("taxonomy date role %s: only upcoming has announce cues", spec.Role)
		}
		if len(spec.Borrows) > 0 && len(spec.Requires) == 0 {
			return fmt.Errorf("taxonomy date role %s: borrows without requires", spec.Role)
		}
		if len(spec.Uses) > 0 && spec.Role != RoleStart {
			return fmt.Errorf("taxonomy date role %s: only start has uses", spec.Role)
		}
		if len(spec.Lapses) > 0 && spec.Role != RoleDeadline {
			return fmt.Errorf("taxonomy date role %s: only deadline has lapses", spec.Role)
		}
		if len(spec.Limits) > 0 && spec.Role != RoleDeadline {
			return fmt.Errorf("taxonomy date role %s: only deadline has limits", spec.Role)
		}
		role := "taxonomy date role " + string(spec.Role)
		nTouching, nAnnounce := 0, 0
		err := addAll(&before, r, spec.Before, role+" cue")
		if err == nil {
			nTouching = len(before)
			err = addAll(&before, r, spec.Touching, role+" cue")
		}
		if err == nil {
			err = addAll(&anywhere, r, spec.Anywhere, role+" cue")
		}
		if err == nil {
			// An announcement is an anywhere cue in its own statement too.
			nAnnounce = len(anywhere)
			err = addAll(&anywhere, r, spec.Announce, role+" cue")
		}
		if err == nil {
			err = addAll(&borrows, r, spec.Borrows, role+" borrows")
		}
		if err == nil {
			err = addAll(&overrule, r, spec.Unless, role+" unless")
		}
		if err == nil {
			err = addAll(&uses, r, spec.Uses, role+" uses")
		}
		if err == nil {
			err = addAll(&lapses, r, spec.Lapses, role+" lapses")
		}
		if err == nil {
			err = addAll(&limits, r, spec.Limits, role+" limits")
		}
		if err != nil {
			return err
		}
		for _, p := range before[nTouching:] {
			p.touching = true
		}
		announce = append(announce, anywhere[nAnnounce:]...)
		for _, id := range spec.Requires {
			i, ok := t.byID[id]
			if !ok {
				return fmt.Errorf("taxonomy date role %s requires unknown id %q", spec.Role, id)
			}
			t.requires[r] = append(t.requires[r], i)
		}
	}
	t.terms, t.before, t.anywhere, t.announce = newMatcher(terms), newMatcher(before), newMatcher(anywhere), newMatcher(announce)
	t.unless, t.borrows, t.overrule, t.uses = newMatcher(unless), newMatcher(borrows), newMatcher(overrule), newMatcher(uses)
	t.lapses, t.limits = newMatcher(lapses), newMatcher(limits)
	t.formLinks = newMatcher(forms)
	t.langs = slices.Sorted(maps.Keys(langs))
	return nil
}

// BaseLang reduces a language tag to its lower-case primary subtag:
// "fr-FR" → "fr", "en_GB" → "en", " FR " → "fr". The monitor compares a
// watch's language with a version's by it. extract keeps its own, which
// also rejects what is no tag (a page's lang attribute may hold
// anything): extract may not import analyze, nor analyze extract.
func BaseLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// knownLang returns lang's primary subtag if the taxonomy has patterns in
// it, "" otherwise (read in every language).
func (t *Taxonomy) knownLang(lang string) string {
	lang = BaseLang(lang)
	if _, ok := slices.BinarySearch(t.langs, lang); ok {
		return lang
	}
	return ""
}

// termMatches holds the matches of one findTerms call, reused.
type termMatches struct{ held, unless, active []match }

// findTerms calls fn for each match of an entry's or personal data's
// pattern in words, as terms.find does, but for those that one of their
// entry's unless phrases overlaps. The matches of an entry having unless
// phrases are held until the phrases are looked for, once, after the
// others, and come last: callers read a statement's matches by position,
// not by order. Most statements match no such entry, and none are held.
func (t *Taxonomy) findTerms(words []string, lang string, tm *termMatches, fn func(match)) {
	tm.held, tm.unless = tm.held[:0], tm.unless[:0]
	t.terms.find(words, lang, func(m match) {
		if m.p.target >= 0 && t.hasUnless[m.p.target] {
			tm.held = append(tm.held, m)
			return
		}
		fn(m)
	})
	if len(tm.held) == 0 {
		return
	}
	t.unless.find(words, lang, func(m match) { tm.unless = append(tm.unless, m) })
	// Both lists are in order of their first word: a sweep keeps the
	// unless matches that may overlap the held one (a hostile text of
	// "will post" matches both a hundred thousand times).
	next, active := 0, tm.active[:0]
	for _, m := range tm.held {
		for next < len(tm.unless) && tm.unless[next].start < m.end {
			active = append(active, tm.unless[next])
			next++
		}
		active = slices.DeleteFunc(active, func(u match) bool { return u.end <= m.start })
		if !slices.ContainsFunc(active, func(u match) bool { return u.p.target == m.p.target }) {
			fn(m)
		}
	}
	tm.active = active
}
