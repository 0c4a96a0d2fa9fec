// Package monitor is policywatch's domain: what a watch is, what a check
// records, which events a check produces, and the Checker that runs one
// check end to end (fetch → extract → compare → analyse → save) plus the
// Scheduler that runs checks on time.
//
// monitor may import its leaves (monitor/fetch, monitor/extract,
// monitor/diff, monitor/analyze) and the standard library. It never imports
// store, notify, web or cmd: those point inward at the types and the small
// interfaces (Store, Clock) declared here.
package monitor
