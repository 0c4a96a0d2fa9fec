package diff

import "slices"

// pair says deleted line del and inserted line ins (indexes into one
// change) are versions of each other.
type pair struct{ del, ins int }

const (
	// minSimilarity is the least similarity, in thousandths, for two lines
	// to be paired: the Dice coefficient of their words, 2·common/(a+b).
	// At one half, "Effective April 7, 2025" and "Effective May 27, 2025"
	// pair; a heading and an unrelated paragraph do not.
	minSimilarity = 500

	// maxPairCells bounds the similarity matrix of one pairing. A change
	// larger than that (a rewrite of hundreds of lines) is paired in
	// chunks along its diagonal, which keeps pairing linear in its size and
	// still pairs a run of lines each edited in place.
	maxPairCells = 1 << 16
)

// pairLines returns the pairs of similar deleted and inserted lines, in
// order, no line in two pairs and no two pairs crossing, with the greatest
// total similarity.
func (c *computer) pairLines(dels, ins []string) []pair {
	if len(dels) == 0 || len(ins) == 0 {
		return nil
	}
	// Word bags (sorted word ids) of every line, in one buffer.
	c.wordIDs.reset()
	bags := make([][]rune, len(dels)+len(ins))
	var buf []rune
	for k, line := range slices.Concat(dels, ins) {
		start := len(buf)
		for i := 0; i < len(line); {
			end, word := nextToken(line, i)
			if word {
				id, ok := c.wordIDs.id(line[i:end])
				if !ok {
					c.degraded = true
					return nil
				}
				buf = append(buf, id)
			}
			i = end
		}
		bag := buf[start:len(buf):len(buf)]
		slices.Sort(bag)
		bags[k] = bag
	}
	delBags, insBags := bags[:len(dels)], bags[len(dels):]

	chunks := 1
	for ceilDiv(len(dels), chunks)*ceilDiv(len(ins), chunks) > maxPairCells {
		chunks++
	}
	var pairs []pair
	for k := range chunks {
		if _, ok := c.timeLeft(); !ok {
			break
		}
		d0, d1 := k*len(dels)/chunks, (k+1)*len(dels)/chunks
		i0, i1 := k*len(ins)/chunks, (k+1)*len(ins)/chunks
		for _, p := range bestPairs(delBags[d0:d1], insBags[i0:i1]) {
			pairs = append(pairs, pair{d0 + p.del, i0 + p.ins})
		}
	}
	return pairs
}

// bestPairs aligns two lists of word bags: dynamic programming over the
// similarity matrix, like a longest common subsequence weighted by
// similarity.
func bestPairs(dels, ins [][]rune) []pair {
	n, m := len(dels), len(ins)
	if n == 0 || m == 0 {
		return nil
	}
	sim := make([]int32, n*m)
	score := make([]int32, (n+1)*(m+1)) // score[a*(m+1)+b]: best over dels[:a], ins[:b]
	at := func(a, b int) int { return a*(m+1) + b }
	for a := 1; a <= n; a++ {
		for b := 1; b <= m; b++ {
			s := similarity(dels[a-1], ins[b-1])
			sim[(a-1)*m+b-1] = s
			best := max(score[at(a-1, b)], score[at(a, b-1)])
			if s >= minSimilarity {
				best = max(best, score[at(a-1, b-1)]+s)
			}
			score[at(a, b)] = best
		}
	}
	var pairs []pair
	for a, b := n, m; a > 0 && b > 0; {
		s := sim[(a-1)*m+b-1]
		switch {
		case s >= minSimilarity && score[at(a, b)] == score[at(a-1, b-1)]+s:
			pairs = append(pairs, pair{a - 1, b - 1})
			a, b = a-1, b-1
		case score[at(a, b)] == score[at(a-1, b)]:
			a--
		default:
			b--
		}
	}
	slices.Reverse(pairs)
	return pairs
}

// similarity returns the Dice coefficient of two sorted word bags, in
// thousandths; 0 when neither has a word.
func similarity(a, b []rune) int32 {
	if len(a)+len(b) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return int32(2000 * common / (len(a) + len(b)))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
