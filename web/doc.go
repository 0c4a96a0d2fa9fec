// Package web is policywatch's web view: an HTTP server, rendered on the
// server with html/template, for people who would rather look than read
// logs. It shows every watch at a glance, each watch's timeline, a change
// side by side with its analysis, any version's readable text, and offers
// evidence bundles (the raw response, byte for byte, with hashes), a small
// JSON API, /healthz and Prometheus /metrics.
//
// Everything it shows was scraped from the web and is treated as hostile:
// the template engine escapes every value, the Content-Security-Policy
// allows only the package's own embedded script and stylesheet, and raw
// response bodies are only ever downloaded, never rendered in the app's
// origin. Binding to anything but loopback requires authentication (HTTP
// basic with a bcrypt hash, or a bearer token); New refuses otherwise.
//
// web reads the history through Reader, a small interface that *store.DB
// satisfies. It may import monitor and its leaves (monitor/diff,
// monitor/analyze…), the standard library, VictoriaMetrics' metrics (the
// process and Go runtime figures of /metrics) and golang.org/x/crypto;
// never store, notify or cmd.
package web
