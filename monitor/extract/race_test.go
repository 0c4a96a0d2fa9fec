//go:build race

package extract

// raceDetector: the tests run under -race. The tests that read every page
// of the corpus alone, on one goroutine, then read one page in
// corpusStride: the race detector finds nothing there, and multiplies
// their time by ten; the run without -race reads every page.
const raceDetector = true
