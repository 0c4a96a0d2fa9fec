package config

import "strings"

// Suggest returns the known name the unknown one was most likely meant to
// be, or "" when none is close. Case, "_" and "-" are ignored first, so
// that userAgent and user-agent find user_agent; otherwise the closest name
// by edit distance is taken if it is at most two edits away and the edits
// change less than half of it. The command line uses it for watch names
// and event kinds too.
func Suggest(key string, known []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", 0
	for _, k := range known {
		if norm(k) == norm(key) {
			return k
		}
		d := editDistance(strings.ToLower(key), strings.ToLower(k))
		if d <= 2 && 2*d < len(k) && (best == "" || d < bestDist) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes: keys
// are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
