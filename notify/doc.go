// Package notify puts the right change in front of the right person in
// time, and never spams them: immediate email alerts, daily and weekly
// digests, operator notices, signed webhooks and Atom feeds.
//
// # How a notification travels
//
// Events are read from the database in id order behind a cursor. For each
// event the dispatcher decides who hears of it and how, and writes that
// plan — one outbox row per subscriber × event (or digest) × channel, the
// changes held for digests, and the cursor moved past the event — in ONE
// transaction. A crash therefore never loses an event nor plans one twice;
// each row also has a unique key, so planning the same thing again is a
// no-op.
//
// The sender then claims due rows (a lease of five minutes: no other
// sender takes them meanwhile), sends each (the operator's notices due
// together as one message), and records its outcome before the next one
// goes out: sent, or an error and the time of the next
// attempt (exponential backoff from 30s, capped at an hour; after 12
// attempts, or at once for a permanent refusal, the row is given up as
// failed and shown by `policywatch outbox`). A batch may outlast the lease
// (a slow mail server, webhooks hanging until their timeout), and another
// sender — the daemon beside `digest --now`, or the daemon's next turn —
// then claims the rows left: so each row is held anew right before it goes
// out (within one SMTP session too), and a sender that finds it no longer
// holds a row leaves it to the sender that does, without sending it or
// recording anything of it (a message of several notices goes without
// it). A failure is recorded only by the sender that
// holds the row; a delivery by whichever sender made it, so that the
// holder does not send it again.
//
// A sender stopped cleanly (the context of Run or SendDue ends: SIGTERM,
// Ctrl-C) sends nothing more, but lets the message already on its way
// finish for a grace period (DefaultShutdownGrace, 10s; WithShutdownGrace)
// and records its outcome — with a context that outlives the cancelled
// one — rather than cutting it mid-request; the rows it claimed and did
// not try are released at once (their claim cleared, their attempt
// uncounted), so that the next start takes them without waiting for the
// lease. A message that outlasts the grace (a receiver that hangs) is cut
// then, and its rows released too, with a temporary failure recorded and
// due at once, before the rows claimed after them: the stop takes at most
// the grace and a few writes. Only a sender that dies (kill -9, a crash,
// a power cut) leaves its rows held until the lease ends: a row is not
// due before its OutboxItem.ClaimedUntil, whatever its next attempt says.
//
// Only the daemon's Run plans and sends by itself. A change found by
// `policywatch check` while the daemon is stopped waits in the events
// table; `policywatch digest --now` does one turn by hand — Dispatch,
// DigestNow instead of the schedule, SendDue — so that every row due goes
// out, alerts and webhooks included, whether or not a digest was made.
//
// # Delivery guarantee: at least once, with a stable Message-ID
//
// Nothing is lost: a row stays pending until a send succeeded and was
// recorded. A duplicate is possible only when the sender cannot know
// whether the server accepted a message, and SMTP allows no less: the
// process dies after the server accepted it and before the database
// recorded it, or is stopped while it is on its way and the server takes
// longer than the grace period to answer, the message being cut then
// (TestStopCutsAMessageThatOutlastsTheGrace). The lease then ends (after
// a stop, the row is released at once) and the row is sent again
// — with the same Message-ID (derived from the row's id, key and creation
// time, signed with the database's secret) and, for webhooks, the same
// X-Policywatch-Delivery id, so that mail clients and receivers can drop
// the copy. The operator's notices due together go as one message, whose
// Message-ID is made of all the rows it carries: they are claimed, and
// after a failure due again (with the same backoff), together, so that the
// copy carries the same rows and Message-ID — unless more notices came
// due meanwhile, which it then carries too, under a Message-ID of its own.
// Nothing is ever sent twice otherwise
// (TestSenderCrashBetweenSentAndRecorded,
// TestStopLetsTheMessageInFlightFinish), nor by two senders
// (TestSenderLeavesWhatAnotherTookOver) — unless the delivery of one
// message alone outlasts a whole lease (the SMTP and webhook timeouts are
// far shorter).
//
// # Who hears what
//
//   - Subscribers get an immediate alert for a change or revert whose
//     severity meets their threshold (critical by default), at most one per
//     watch per hour; the other changes of the watches they follow wait for
//     their daily or weekly digest. An alert the hourly limit held back
//     goes once the hour since the last is up (ReleaseHeldAlerts, the
//     oldest first, one a watch an hour); one held for more than two hours
//     (a daemon stopped) waits for the next digest time instead, even for
//     a subscriber without a digest (a "catch-up" digest). An empty digest
//     is not sent.
//     Digests due together to one subscriber (a mail outage from one
//     digest time to the next) go as one digest of all their changes.
//   - Without a mail server nothing is sent to subscribers, but nothing is
//     lost either: every change a subscriber would hear of, alert or
//     not, waits for its next digest (a catch-up one without a digest),
//     which goes out once a server is configured — one message each, not
//     a late flood of stale alerts. Operator notices are not kept: an
//     episode long over is no news.
//   - anomaly, fetch_error and recovered events never reach subscribers.
//     The operator address (optional) hears of each episode once when it
//     opens and once when it closes. Episodes whose openings follow each
//     other within a day form a run; the third of a run is reported once
//     as "flapping", and the later ones stay quiet until the watch has been
//     steady for a day (WithFlapping changes both numbers). The notices due
//     together come in one email that lists them (a host down fails all
//     its watches at once); a notice due alone comes in its own.
//   - Webhooks receive every event at or above their min_severity as the
//     `events --json` object, signed with HMAC-SHA256.
//   - Feeds show baseline, change and revert events, by watch or minimum
//     severity; imported events are never notified.
//   - A subscriber or webhook hears only of the events recorded after it
//     started: the cursor says what was planned, not who was there, and
//     it stays put while only `policywatch check` runs. A subscriber
//     starts after the newest event when it subscribes (again, after an
//     unsubscribe: Subscriber.AfterEvent); a webhook when a process that
//     records or dispatches events first sees it configured
//     (Service.RecordWebhooks; the store keeps the SHA-256 of its URL, and
//     the first start for good, through removals from the configuration).
//     The subscribers of a database from before this rule, and the
//     webhooks it had deliveries for, start at 0: everything.
//
// Everything scraped (titles, summaries, quotes, links) is hostile: email
// headers are stripped of control characters and encoded, HTML bodies and
// feeds are escaped by html/template, only http(s) links are ever made
// clickable, and every text is capped.
//
// notify may import monitor and its leaves (monitor/diff, monitor/analyze)
// and its own sub-packages (notify/email, notify/webhook), never store, web
// or cmd: the database is reached through the small interfaces in
// store.go, which the command adapts *store.DB to.
package notify
