package extract

// corpusStride is how many pages of a history the tests that read each
// page alone skip to the next (see raceDetector).
func corpusStride() int {
	if raceDetector {
		return 10
	}
	return 1
}
