package main

import "fmt"

// lockedError is the database's lock held by another process.
type lockedError struct {
	path   string // the database, absolute
	pid    int    // of the holder, 0 when the lock file does not say
	holder string // the holder's command: run, vacuum, restore, serve
}

// who names the process holding the lock: "another policywatch run (pid
// 12)", "policywatch vacuum (pid 12)".
func (e *lockedError) who() string {
	who := "another policywatch run"
	if e.holder != "run" {
		who = "policywatch " + e.holder
	}
	if e.pid > 0 {
		who += fmt.Sprintf(" (pid %d)", e.pid)
	}
	return who
}

func (e *lockedError) Error() string {
	if e.holder == "serve" {
		// Only a restore is kept out by a serve (excludeServers). A serve
		// runs until stopped: waiting would not do.
		return fmt.Sprintf("%s has %s open: stop it first, restore, then start it again (it would go on showing the database replaced)", e.who(), e.path)
	}
	if e.holder != "run" {
		return fmt.Sprintf("%s is using %s; wait for it to finish", e.who(), e.path)
	}
	return fmt.Sprintf("%s is using %s; stop it first, or give this one its own --db", e.who(), e.path)
}
