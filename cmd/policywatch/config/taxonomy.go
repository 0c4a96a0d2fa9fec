package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor/analyze"
)

// Keys of a taxonomy entry (analyze.Entry).
var taxonomyKeys = []string{"id", "kind", "labels", "patterns", "unless"}

// analysisLanguages are the languages the analysis reads: those of the
// built-in taxonomy's patterns (monitor/analyze/taxonomy.yaml), which are
// also the languages of its dates and personal-data phrases. Patterns in
// another language are refused: the analysis would then read a page in
// that language with those patterns alone, without the built-in entries,
// dates or personal data. TestAnalysisLanguages keeps the list in step
// with taxonomy.yaml.
var analysisLanguages = []string{"en", "fr"}

// taxonomyKinds are the kinds an entry may have, as the analysis names them.
var taxonomyKinds = []string{string(analyze.KindCategory), string(analyze.KindPurpose), string(analyze.KindRight)}

// taxonomy reads the taxonomy section: entries that add to the built-in
// taxonomy of the analysis (see monitor/analyze/taxonomy.yaml). Each field
// is checked at its own node; what depends on the other entries (a new id
// needs kind, labels and patterns; an existing one keeps its kind) is
// checked by extending a copy of the built-in taxonomy one entry at a time,
// so that every bad entry is reported, not only the first.
func (p *parser) taxonomy(n *yaml.Node) []analyze.Entry {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.expected(n, "taxonomy", "a list of entries (id, kind, labels, patterns)")
		return nil
	}
	tax := analyze.DefaultTaxonomy()
	var out []analyze.Entry
	for i, item := range n.Content {
		item = resolve(item)
		path := fmt.Sprintf("taxonomy[%d]", i)
		before := len(p.problems)
		e, kindNode := p.taxonomyEntry(item, path)
		if len(p.problems) > before {
			continue
		}
		if err := tax.Extend([]analyze.Entry{e}); err != nil {
			p.taxonomyConflict(item, kindNode, path, e, err)
			continue
		}
		out = append(out, e)
	}
	return out
}

// taxonomyEntry reads one entry, reporting what is wrong with each of its
// fields on its own. It returns the node of kind, if set.
func (p *parser) taxonomyEntry(n *yaml.Node, path string) (e analyze.Entry, kindNode *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.expected(n, path, "a taxonomy entry (a mapping with id, kind, labels and patterns)")
		return e, nil
	}
	f := p.mapping(n, path, taxonomyKeys)
	field := func(key string) string { return path + "." + key }

	if v := f["id"]; !v.set() {
		p.report(n, path, "missing id; every entry needs the id it adds or extends, such as voiceprints")
	} else if id, ok := p.text(v.value, field("id")); ok {
		if err := checkTaxonomyPart(analyze.Entry{ID: id}); err != nil {
			p.report(v.value, field("id"), "%q: %v", id, err)
		} else {
			e.ID = id
		}
	}
	if v := f["kind"]; v.set() {
		if kind, ok := p.text(v.value, field("kind")); ok {
			switch {
			case slices.Contains(taxonomyKinds, kind):
				e.Kind, kindNode = analyze.Kind(kind), v.value
			case Suggest(kind, taxonomyKinds) != "":
				p.report(v.value, field("kind"), "unknown kind %q; did you mean %q?", kind, Suggest(kind, taxonomyKinds))
			default:
				p.report(v.value, field("kind"), "unknown kind %q; use %s", kind, strings.Join(taxonomyKinds, ", "))
			}
		}
	}
	if v := f["labels"]; v.set() {
		for _, l := range p.languageKeys(v.value, field("labels"), "a mapping of languages to labels, such as {en: Voiceprints}") {
			lfield := field("labels") + "." + l.name
			if err := checkTaxonomyPart(analyze.Entry{Labels: map[string]string{l.name: "x"}}); err != nil {
				p.report(l.key, lfield, "%v", err)
				continue
			}
			if label, ok := p.text(l.value, lfield); ok {
				if e.Labels == nil {
					e.Labels = map[string]string{}
				}
				e.Labels[l.name] = label
			}
		}
	}
	e.Patterns = p.phrases(f["patterns"], field("patterns"), "pattern", "{en: [voiceprint*]}",
		func(lang, src string) analyze.Entry { return analyze.Entry{Patterns: map[string][]string{lang: {src}}} })
	// "unless": phrases where the patterns' words mean something else
	// ("audio description" for audio*), as the built-in entries have.
	e.Unless = p.phrases(f["unless"], field("unless"), "phrase", `{en: ["audio description*"]}`,
		func(lang, src string) analyze.Entry { return analyze.Entry{Unless: map[string][]string{lang: {src}}} })
	return e, kindNode
}

// phrases reads a mapping of languages to lists of patterns (an entry's
// patterns or unless), each checked as the analysis would read it in the
// entry made by part; what is wrong is reported at its node.
func (p *parser) phrases(v entry, field, what, example string, part func(lang, src string) analyze.Entry) map[string][]string {
	if !v.set() {
		return nil
	}
	var out map[string][]string
	for _, l := range p.languageKeys(v.value, field, "a mapping of languages to lists of "+what+"s, such as "+example) {
		lfield := field + "." + l.name
		if !slices.Contains(analysisLanguages, l.name) {
			p.report(l.key, lfield, "unknown language %q; the analysis reads %s", l.name, strings.Join(analysisLanguages, ", "))
			continue
		}
		ps := p.stringList(l.value, lfield, what, func(item *yaml.Node, field, src string) bool {
			if err := checkTaxonomyPart(part(l.name, src)); err != nil {
				p.report(item, field, "%v", err)
				return false
			}
			return true
		})
		if len(ps) > 0 {
			if out == nil {
				out = map[string][]string{}
			}
			out[l.name] = ps
		}
	}
	return out
}

// languageEntry is one language key of labels or patterns and its value.
type languageEntry struct {
	name       string
	key, value *yaml.Node
}

// languageKeys returns the entries of a mapping keyed by language,
// reporting keys that are not strings and repeated ones; want says what n
// should be.
func (p *parser) languageKeys(n *yaml.Node, field, want string) []languageEntry {
	if n.Kind != yaml.MappingNode {
		p.expected(n, field, want)
		return nil
	}
	var out []languageEntry
	firstLine := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		if key.Kind != yaml.ScalarNode || isNull(key) {
			p.expected(key, field, "a language such as en")
			continue
		}
		if line, dup := firstLine[key.Value]; dup {
			p.report(key, field+"."+key.Value, "repeated language; it was first set at line %d", line)
			continue
		}
		firstLine[key.Value] = key.Line
		out = append(out, languageEntry{key.Value, key, value})
	}
	return out
}

// taxonomyConflict reports why entry e, valid on its own, could not extend
// the taxonomy: its kind differs from its id's (at kind), or its id is new
// and the entry lacks what a new one needs (at the entry).
func (p *parser) taxonomyConflict(n, kindNode *yaml.Node, path string, e analyze.Entry, err error) {
	msg := stripEntryPrefix(err.Error())
	if kindNode != nil && strings.Contains(msg, "differs from the existing entry") {
		p.report(kindNode, path+".kind", "%s; leave kind out to add to the existing entry", msg)
		return
	}
	var missing []string
	if e.Kind == "" {
		missing = append(missing, "kind")
	}
	if len(e.Labels) == 0 {
		missing = append(missing, "labels")
	}
	if len(e.Patterns) == 0 {
		missing = append(missing, "patterns")
	}
	if len(missing) == 0 {
		p.report(n, path, "%s", msg)
		return
	}
	p.report(n, path, "id %q is new, so the entry needs kind, labels and patterns; missing %s", e.ID, strings.Join(missing, ", "))
}

// checkTaxonomyPart checks the set fields of e with the analysis's own
// rules, so that the two never disagree: the fields left empty are filled
// with valid ones and the entry is read as a taxonomy of its own, which
// costs little (no built-in entries to compile).
func checkTaxonomyPart(e analyze.Entry) error {
	if e.ID == "" {
		e.ID = "x"
	}
	e.Kind = analyze.KindCategory
	if len(e.Labels) == 0 {
		e.Labels = map[string]string{"en": "x"}
	}
	if len(e.Patterns) == 0 {
		e.Patterns = map[string][]string{"en": {"x"}}
	}
	doc, err := yaml.Marshal(map[string]any{"entries": []analyze.Entry{e}})
	if err != nil {
		return err
	}
	if _, err := analyze.ParseTaxonomy(doc); err != nil {
		return fmt.Errorf("%s", stripEntryPrefix(err.Error()))
	}
	return nil
}

// entryPrefix is how the analysis's errors name an entry; the problem's
// field already does.
var entryPrefix = regexp.MustCompile(`^taxonomy entry (#\d+|"(?:[^"\\]|\\.)*"): `)

func stripEntryPrefix(msg string) string {
	return entryPrefix.ReplaceAllString(msg, "")
}
