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

// editDistance is the optimal string alignment distance between a and b,
// in bytes (keys are ASCII): Levenshtein's insertions, deletions and
// substitutions, and a swap of two adjacent letters as one edit, the
// commonest typing slip ("hots" for host was two edits, too many for a
// four-letter key).
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1) // row i-2, for swaps
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
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
