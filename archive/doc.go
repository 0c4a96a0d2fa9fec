// Package archive gives policywatch a history on day one and lets people
// take theirs elsewhere.
//
// Import: a Source lists the archived snapshots of one page — a folder of
// HTML or Markdown files dated by a manifest.tsv or by their names
// (OpenFolder), or one file followed through the history of a git
// repository, as public policy archives such as Open Terms Archive keep
// them (OpenGit). An Importer runs each snapshot through the monitor's own
// path (monitor.Checker.Ingest: extract → compare → analyse → save), dated
// at the snapshot's time, so that imported events are exactly those a
// daemon running then would have recorded, marked imported and never
// notified.
//
// Export: events as JSON Lines or CSV (WriteEventsJSONL, WriteEventsCSV), a
// watch's versions as Markdown files with a manifest of their sightings
// (ExportMarkdown) or as a git repository with one commit per sighting,
// reverts included (ExportGit), and raw bodies as a WARC file (WriteWARC)
// that web archives can ingest. A version's Markdown keeps its links (as
// Markdown links) and its <title> (in a YAML front matter), so that
// exporting and importing again gives back the same events, links, facts
// and titles.
//
// archive points inward, like store: it may import monitor and its leaves,
// the standard library and third-party modules, never store, notify, web or
// cmd. What it reads of the database it reads through the small interfaces
// declared beside each function, which *store.DB satisfies. The git
// functions run the git command found on the PATH.
package archive
