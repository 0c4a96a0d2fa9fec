// Package fetch is the HTTP fetcher every policywatch check goes through.
//
// It downloads one page with the retries, timeouts, size caps and politeness
// (one request per host per interval) that watching someone else's server
// for years requires, and it records every HTTP request it made, failed or
// not, because a check's history is evidence. Bodies are returned as served,
// with Content-Encoding undone but the charset untouched; DecodeCharset turns
// them into UTF-8 when a caller wants text.
//
// Everything a server sends is hostile: headers and bodies are size-capped
// (the decompressed body too, so a compression bomb stops at the cap), only
// http and https are followed, and nothing is ever executed.
//
// fetch is a leaf: it imports the standard library and third-party modules
// (golang.org/x/net, github.com/andybalholm/brotli), never another
// policywatch package.
package fetch
