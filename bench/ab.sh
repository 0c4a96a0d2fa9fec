#!/usr/bin/env bash
# bench/ab.sh REV_A REV_B: policywatch's first and third passes (bench/run.sh's
# "first" and "third") of two builds, run one after the other on the same
# page server, so that a change's cost is read beside the build before it
# on a host whose speed varies from one minute to the next. Prints one line
# per pass: wall, CPU (user+sys) and peak RSS from GNU time.
#
# Run from anywhere: bench/ab.sh 87cc4bc HEAD
# Environment: BENCH_RUNS (alternations, default 3), BENCH_WATCHES (default
# 100), POLICYWATCH_CORPUS (default ../shared/corpus beside the repository).
# Each revision is built from its tree (git archive) in the workspace.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=ab
. bench/lib.sh
(($# == 2)) || die "usage: bench/ab.sh REV_A REV_B (e.g. bench/ab.sh HEAD~3 HEAD)"
runs=${BENCH_RUNS:-3}
watches=${BENCH_WATCHES:-100}
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required: apt-get install time"
require_corpus
workspace

revs=("$1" "$2")
for i in 0 1; do
	git rev-parse --verify -q "${revs[i]}^{commit}" >/dev/null || die "${revs[i]}: no such revision"
	say "building ${revs[i]}"
	mkdir "$tmp/src$i"
	git archive "${revs[i]}" | tar -x -C "$tmp/src$i"
	(cd "$tmp/src$i" && CGO_ENABLED=0 go build -o "$tmp/pw$i" ./cmd/policywatch)
done
go build -o "$tmp/serve" ./bench/serve
tar -xJf "$archive" -C "$tmp" meta-printable-policy/0001.html meta-printable-policy/0002.html
start_server "$watches" "$tmp/meta-printable-policy/0001.html" "$tmp/meta-printable-policy/0002.html"
pw_config "$watches" "$tmp/pw.db" "@every 6h" info >"$tmp/pw.yaml"

# pass BIN NAME: one check of every watch, under GNU time.
pass() {
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$1" check --json --config "$tmp/pw.yaml" >/dev/null 2>"$tmp/err" ||
		die "$2 failed: $(cat "$tmp/err")"
	local wall user sys rss
	read -r wall user sys rss <"$tmp/time"
	printf '%-12s %-6s wall %5.2f s  CPU %5.2f s  peak %3d MiB\n' "${revs[$3]}" "$2" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((rss / 1024))
}

for ((r = 1; r <= runs; r++)); do
	for i in 0 1; do
		rm -f "$tmp/pw.db" "$tmp/pw.db-wal" "$tmp/pw.db-shm"
		get "/_use?i=0" >/dev/null
		pass "$tmp/pw$i" first "$i"
		"$tmp/pw$i" check --json --config "$tmp/pw.yaml" >/dev/null 2>&1 # the second pass: same bytes
		get "/_use?i=1" >/dev/null
		pass "$tmp/pw$i" third "$i"
	done
done
