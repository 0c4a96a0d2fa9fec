package archive

// Internals the tests of package archive_test reach.
var (
	EachEvent    = eachEvent
	MarkdownText = markdownText
	MarkdownPage = markdownPage
)
