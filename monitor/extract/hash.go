package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// TextHash returns the comparison key of a readable text: the hex SHA-256
// of its words with the format's markers (heading "#"s, list "- ", the
// " | " between table cells) and all line breaks folded to single spaces.
// A paragraph that becomes a list item, a list that is re-flowed or a
// table that becomes paragraphs therefore keeps its hash; so does any
// change to link targets, which are not part of the text.
func TextHash(text string) string {
	h := sha256.New()
	buf := make([]byte, 0, 32<<10)
	wrote := false // a word was written: the next one needs a space
	// Control characters other than line breaks are rare: look for them
	// once, so that most lines are checked with fast substring searches.
	controls := strings.IndexByte(text, '\t') >= 0 || strings.IndexByte(text, '\r') >= 0 ||
		strings.IndexByte(text, '\f') >= 0 || strings.IndexByte(text, '\v') >= 0
	for len(text) > 0 {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		line = stripLineMarker(strings.TrimSpace(line))
		if line == "" {
			continue
		}
		if !controls && !strings.Contains(line, "  ") {
			// The common case: a line as Extract writes it.
			buf, wrote = appendCells(buf, line, wrote)
		} else {
			buf, wrote = appendWords(buf, line, wrote)
		}
		if len(buf) >= 28<<10 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// appendCells appends a single-spaced line without its lone "|" words
// (table cell separators), the rest separated by single spaces. wrote says
// whether a word precedes, and is returned updated.
func appendCells(buf []byte, line string, wrote bool) ([]byte, bool) {
	for line != "" {
		seg, rest := line, ""
		for off := 0; ; {
			i := strings.IndexByte(line[off:], '|')
			if i < 0 {
				break
			}
			p := off + i
			if (p == 0 || line[p-1] == ' ') && (p+1 == len(line) || line[p+1] == ' ') {
				seg = strings.TrimSuffix(line[:p], " ")
				rest = strings.TrimPrefix(line[p+1:], " ")
				break
			}
			off = p + 1
		}
		if seg != "" {
			if wrote {
				buf = append(buf, ' ')
			}
			buf = append(buf, seg...)
			wrote = true
		}
		line = rest
	}
	return buf, wrote
}

// appendWords appends the words of line separated by single spaces,
// leaving out lone "|" (table cell separators). wrote says whether a word
// precedes, and is returned updated.
func appendWords(buf []byte, line string, wrote bool) ([]byte, bool) {
	for len(line) > 0 {
		i := 0
		for i < len(line) && asciiSpace(line[i]) {
			i++
		}
		j := i
		for j < len(line) && !asciiSpace(line[j]) {
			j++
		}
		word := line[i:j]
		line = line[j:]
		if word == "" || word == "|" {
			continue
		}
		if wrote {
			buf = append(buf, ' ')
		}
		wrote = true
		buf = append(buf, word...)
	}
	return buf, wrote
}

// stripLineMarker drops the heading or list-item marker a line starts with.
func stripLineMarker(line string) string {
	if strings.HasPrefix(line, "- ") {
		return strings.TrimLeft(line[2:], " ")
	}
	i := 0
	for i < len(line) && line[i] == '#' {
		i++
	}
	if i > 0 && i <= 6 && i < len(line) && line[i] == ' ' {
		return strings.TrimLeft(line[i+1:], " ")
	}
	return line
}
