package archive

// Internals the tests of package archive_test reach.
var (
	EachEvent       = eachEvent
	MarkdownText    = func(text string) string { return markdownText(text, nil) }
	VersionMarkdown = versionMarkdown
	MarkdownPage    = markdownPage
)
