#!/usr/bin/env bash
# bench/soak.sh: the daemon over a long churned history, for memory that
# grows and a database that grows faster than it should.
#
# Serves every snapshot of Meta's printable policy (the shared corpus: 300
# real captures over a year, the text changing a few times, the markup on
# nearly every one) under SOAK_WATCHES URLs on 127.0.0.1, runs
# `policywatch run` over them with a schedule of every SOAK_INTERVAL
# seconds, and moves the server to the next snapshot at the same pace: a
# year of Meta's page in 25 minutes, for every watch. Every SOAK_REPORT
# steps it prints the daemon's memory (VmRSS, RssAnon: its own memory,
# without the binary's mapped pages) between passes and during them, and
# the database's size; at the end the events recorded. See bench/README.md.
#
# Run from anywhere: bench/soak.sh
# Environment: SOAK_WATCHES (default 100), SOAK_STEPS (snapshots to walk
# after the first, default all: 299), SOAK_INTERVAL (seconds a step,
# default 5), SOAK_REPORT (steps between lines, default 25), POLICYWATCH_CORPUS
# (default ../shared/corpus beside the repository).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=soak
. bench/lib.sh
watches=${SOAK_WATCHES:-100}
steps=${SOAK_STEPS:-}
interval=${SOAK_INTERVAL:-5}
report=${SOAK_REPORT:-25}

require_corpus
workspace

say "building policywatch and the page server"
CGO_ENABLED=0 go build -o "$tmp/policywatch" ./cmd/policywatch
go build -o "$tmp/serve" ./bench/serve
tar -xJf "$archive" -C "$tmp"
snapshots=("$tmp"/meta-printable-policy/[0-9]*.html)
if [[ -z $steps ]] || ((steps >= ${#snapshots[@]})); then
	steps=$((${#snapshots[@]} - 1))
fi

start_server "$watches" "${snapshots[@]}"

db=$tmp/pw.db
pw_config "$watches" "$db" "@every ${interval}s" warn >"$tmp/pw.yaml"
"$tmp/policywatch" config check --config "$tmp/pw.yaml" >/dev/null

# status FIELD: a field of the daemon's /proc status, in KiB.
status() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$daemon_pid/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# watch SECONDS: polls the daemon's memory for SECONDS and sets low_rss,
# low_anon (its floor: between passes) and high_anon (within a pass).
watch() {
	local until=$((SECONDS + $1)) rss anon
	low_rss='' low_anon='' high_anon=0
	while ((SECONDS < until)); do
		kill -0 "$daemon_pid" 2>/dev/null || die "the daemon stopped: $(tail -n 20 "$tmp/run.log")"
		rss=$(status VmRSS) anon=$(status RssAnon)
		[[ -z $low_rss || $rss -lt $low_rss ]] && low_rss=$rss
		[[ -z $low_anon || $anon -lt $low_anon ]] && low_anon=$anon
		((anon > high_anon)) && high_anon=$anon
		sleep 0.25
	done
}

"$tmp/policywatch" run --config "$tmp/pw.yaml" >"$tmp/run.log" 2>&1 &
daemon_pid=$!
sleep 1 # past its start, so that the lowest figures are of a running daemon
start=$SECONDS
say "$watches watches, a pass every ${interval}s, $steps snapshots: about $((steps * interval / 60)) minutes"
echo "Memory is polled 4 times a second: the lowest figure of a step is the daemon between passes, the highest RssAnon the pass."
echo
echo "| step | minutes | VmRSS MiB (lowest) | RssAnon MiB (lowest) | RssAnon MiB (highest) | database MiB |"
echo "|---:|---:|---:|---:|---:|---:|"
for ((step = 1; step <= steps; step++)); do
	watch "$interval"
	get "/_use?i=$step" >/dev/null
	if ((step % report == 0 || step == steps)); then
		printf '| %d | %d | %s | %s | %s | %s |\n' "$step" $(((SECONDS - start) / 60)) \
			"$(mib "$low_rss")" "$(mib "$low_anon")" "$(mib "$high_anon")" "$(mib $(($(bytes "$db" "$db-wal" "$db-shm") / 1024)))"
	fi
done
watch "$interval" # the last snapshot's pass
echo
echo "Peak RSS (VmHWM): $(mib "$(status VmHWM)") MiB; pages served: $(get /_count)."
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=''
grep -E 'level=(ERROR|WARN)' "$tmp/run.log" | head -n 5 >&2 || true
"$tmp/policywatch" events --json --config "$tmp/pw.yaml" | grep -o '"kind":"[a-z_]*"' | sort | uniq -c |
	awk '{ gsub(/"kind":|"/, "", $2); s = s (s == "" ? "" : ", ") $2 " " $1 } END { print "Events recorded: " s "." }'
