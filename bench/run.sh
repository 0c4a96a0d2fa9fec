#!/usr/bin/env bash
# bench/run.sh: policywatch against urlwatch on the same local pages.
#
# Serves one real Meta printable-policy snapshot (from the shared corpus)
# under 100 URLs on 127.0.0.1, runs `policywatch check` and urlwatch over
# them (first pass on an empty database, second pass with the same bytes,
# third pass with the next snapshot: other markup, same text), each under
# GNU time, and prints Markdown tables of the medians. Then measures the
# daemon's memory (`policywatch run`) with 8 and 1,000 watches.
# See bench/README.md.
#
# Run from anywhere: bench/run.sh
# Environment: BENCH_RUNS (repetitions, default 3), BENCH_WATCHES (default
# 100), BENCH_DAEMON_WATCHES (default "8 1000"), BENCH_IDLE (seconds the
# daemon idles after its first pass before its memory is read, default 10),
# POLICYWATCH_CORPUS (default ../shared/corpus beside the repository),
# BENCH_PROFILE=DIR (also profile one sequence of the three check passes
# with bench/profile.go: CPU and heap profiles and a summary in DIR).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=bench
. bench/lib.sh
runs=${BENCH_RUNS:-3}
watches=${BENCH_WATCHES:-100}
daemon_sizes=${BENCH_DAEMON_WATCHES:-8 1000}
idle=${BENCH_IDLE:-10}
profile_dir=${BENCH_PROFILE:-}

require_corpus

# --- tools: GNU time and urlwatch from Debian's packages -----------------
need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v urlwatch >/dev/null || need+=(urlwatch)
if ((${#need[@]})); then
	sudo=()
	[[ $(id -u) == 0 ]] || sudo=(sudo -n)
	if command -v apt-get >/dev/null && { ((${#sudo[@]} == 0)) || sudo -n true 2>/dev/null; }; then
		say "installing ${need[*]} (apt-get)"
		if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}"; } >&2; then
			say "apt-get install ${need[*]} failed"
		fi
	else
		say "cannot install ${need[*]}: needs apt-get and root (or password-less sudo)"
	fi
fi
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is required: apt-get install time"
have_urlwatch=1
if ! command -v urlwatch >/dev/null; then
	have_urlwatch=0
	say "urlwatch is not installed: measuring policywatch alone (apt-get install urlwatch)"
fi

# --- workspace, cleaned up on exit ----------------------------------------
workspace

say "building policywatch and the page server"
# Built as it ships (see .ci/run): static, without cgo. Linked against libc
# the daemon maps ~1.5 MiB more of shared libraries.
CGO_ENABLED=0 go build -o "$tmp/policywatch" ./cmd/policywatch
go build -o "$tmp/serve" ./bench/serve

# Two consecutive snapshots with the same readable text (index.tsv: "same")
# and different markup (class names, link tokens): the second is served in
# the third pass, as Meta serves new markup on nearly every fetch.
tar -xJf "$archive" -C "$tmp" meta-printable-policy/0001.html meta-printable-policy/0002.html meta-printable-policy/index.tsv
page=$tmp/meta-printable-policy/0001.html
churn=$tmp/meta-printable-policy/0002.html
if [[ $(awk -F'\t' '$1 == "0001" || $1 == "0002" { print $3 }' "$tmp/meta-printable-policy/index.tsv" | sort -u | wc -l) != 1 ]]; then
	say "warning: snapshots 0001 and 0002 do not have the same text in index.tsv"
fi
cmp -s "$page" "$churn" && say "warning: snapshots 0001 and 0002 are byte-identical"

max=$watches
for n in $daemon_sizes; do ((n > max)) && max=$n; done
start_server "$max" "$page" "$churn"

use() { get "/_use?i=$1" >/dev/null; }

# uw_jobs N: an urlwatch job list of the same N pages.
uw_jobs() {
	local i
	for ((i = 0; i < $1; i++)); do
		((i == 0)) || printf -- '---\n'
		printf 'name: p%03d\nurl: http://%s/p%03d.html\nfilter:\n  - html2text\n' "$i" "$addr" "$i"
	done
}

mkdir -p "$tmp/res" "$tmp/uw/home"
pw_config "$watches" "$tmp/pw.db" "@every 6h" info >"$tmp/pw.yaml"
"$tmp/policywatch" config check --config "$tmp/pw.yaml" >/dev/null
uw_jobs "$watches" >"$tmp/uw/urls.yaml"
printf 'report:\n  stdout:\n    enabled: true\n    color: false\n' >"$tmp/uw/urlwatch.yaml"

# measure TOOL PASS CMD...: runs CMD under GNU time, checks that it fetched
# every page (none in pass 0), and appends "wall cpu rss_kib changes
# size_bytes" to $tmp/res/TOOL.PASS. The tool's output is left in $tmp/out.
measure() {
	local tool=$1 pass=$2 before after wall user sys rss changes errors size expect=$watches
	shift 2
	((pass > 0)) || expect=0
	before=$(get /_count)
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"; then
		cat "$tmp/time" "$tmp/err" >&2
		die "$tool, pass $pass failed"
	fi
	after=$(get /_count)
	((after - before == expect)) || die "$tool, pass $pass: fetched $((after - before)) pages, expected $expect"
	read -r wall user sys rss <"$tmp/time"
	case $((pass > 0)):$tool in
	0:*) changes=0 errors=0 size=0 ;;
	1:policywatch)
		changes=$(grep -cE '"kind":"(baseline|change|revert)"' "$tmp/out" || true)
		errors=$(grep -cvE '"kind":"(baseline|change|revert)"' "$tmp/out" || true)
		size=$(bytes "$tmp/pw.db" "$tmp/pw.db-wal" "$tmp/pw.db-shm")
		;;
	1:urlwatch)
		changes=$(grep -cE '^[0-9]+\. (NEW|CHANGED):' "$tmp/out" || true)
		errors=$(grep -cE '^[0-9]+\. ERROR:' "$tmp/out" || true)
		size=$(bytes "$tmp/uw/cache.db")
		;;
	esac
	((errors == 0)) || die "$tool, pass $pass: $errors errors or anomalies reported: $(head -c 2000 "$tmp/out")"
	echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $rss $changes $size" >>"$tmp/res/$tool.$pass"
}

pw_passes() {
	rm -f "$tmp/pw.db" "$tmp/pw.db-wal" "$tmp/pw.db-shm"
	use 0
	measure policywatch 0 "$tmp/policywatch" config check --config "$tmp/pw.yaml"
	measure policywatch 1 "$tmp/policywatch" check --json --config "$tmp/pw.yaml"
	measure policywatch 2 "$tmp/policywatch" check --json --config "$tmp/pw.yaml"
	use 1
	measure policywatch 3 "$tmp/policywatch" check --json --config "$tmp/pw.yaml"
}

uw_passes() {
	local cmd=(env HOME="$tmp/uw/home" urlwatch --urls "$tmp/uw/urls.yaml" --config "$tmp/uw/urlwatch.yaml"
		--hooks "$tmp/uw/hooks.py" --cache "$tmp/uw/cache.db")
	rm -f "$tmp/uw/cache.db"
	use 0
	measure urlwatch 0 "${cmd[@]}" --list
	rm -f "$tmp/uw/cache.db"
	measure urlwatch 1 "${cmd[@]}"
	measure urlwatch 2 "${cmd[@]}"
	use 1
	measure urlwatch 3 "${cmd[@]}"
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_gib=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
uw_version=none
((have_urlwatch)) && uw_version=$(urlwatch --version 2>/dev/null | awk '{ print $2 }')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
revision=$(git describe --always --dirty 2>/dev/null || echo unknown)

for ((r = 1; r <= runs; r++)); do
	say "run $r of $runs: policywatch check x3"
	pw_passes
	if ((have_urlwatch)); then
		say "run $r of $runs: urlwatch x3"
		uw_passes
	fi
done

# med FILE COLUMN: the median of a column (the lower middle value when even).
med() { awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

pass_name() {
	case $1 in
	0) echo "startup only¹" ;;
	1) echo "first (empty database)" ;;
	2) echo "second (same bytes)" ;;
	3) echo "third (new markup, same text)" ;;
	esac
}

echo
echo "## policywatch check vs urlwatch: $watches pages of $(($(stat -c %s "$page") / 1024)) KiB, medians of $runs runs"
echo
echo "Machine: $(nproc) cores ($cpu_model), ${mem_gib} GiB RAM; $(go env GOVERSION); urlwatch $uw_version;" \
	"policywatch $revision; load average at start $load_start."
echo
echo "| tool | pass | wall s | CPU s (user+sys) | peak RSS MiB | changes reported | database/cache MiB |"
echo "|---|---|---:|---:|---:|---:|---:|"
tools=(policywatch)
((have_urlwatch)) && tools+=(urlwatch)
for pass in 0 1 2 3; do
	for tool in "${tools[@]}"; do
		f=$tmp/res/$tool.$pass
		awk -v t="$tool" -v p="$(pass_name "$pass")" -v w="$(med "$f" 1)" -v c="$(med "$f" 2)" \
			-v m="$(med "$f" 3)" -v n="$(med "$f" 4)" -v s="$(med "$f" 5)" \
			-v startup=$((pass == 0)) \
			'BEGIN {
				if (startup) printf "| %s | %s | %.2f | %.2f | %.0f | - | - |\n", t, p, w, c, m / 1024
				else printf "| %s | %s | %.2f | %.2f | %.0f | %d | %.1f |\n", t, p, w, c, m / 1024, n, s / 1048576
			}'
	done
	if ((have_urlwatch)); then
		a=$tmp/res/policywatch.$pass b=$tmp/res/urlwatch.$pass
		awk -v p="$(pass_name "$pass")" \
			-v w1="$(med "$a" 1)" -v w2="$(med "$b" 1)" -v c1="$(med "$a" 2)" -v c2="$(med "$b" 2)" \
			-v m1="$(med "$a" 3)" -v m2="$(med "$b" 3)" -v s1="$(med "$a" 5)" -v s2="$(med "$b" 5)" '
			function r(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
			BEGIN { printf "| **policywatch / urlwatch** | %s | %s | %s | %s | | %s |\n", p, r(w1, w2), r(c1, c2), r(m1, m2), p ~ /^startup/ ? "" : r(s1, s2) }'
	fi
done
echo
echo "¹ \`policywatch config check\` and \`urlwatch --list\`: start, load the $watches watches or jobs, no fetch."
echo "First pass: empty database or cache. Second: the same bytes again. Third: the next snapshot of the"
echo "page (other class names and link tokens, same text), as Meta serves on nearly every fetch."
echo "Changes reported: policywatch's baseline/change/revert events; urlwatch's NEW/CHANGED jobs."

# --- optional: where a check's time goes -------------------------------------
if [[ -n $profile_dir ]]; then
	mkdir -p "$profile_dir"
	profile_dir=$(cd "$profile_dir" && pwd)
	say "profiling the three check passes into $profile_dir"
	go build -o "$profile_dir/profile" ./bench/profile.go
	rm -f "$tmp/pw.db" "$tmp/pw.db-wal" "$tmp/pw.db-shm"
	echo
	echo "## Profiles (bench/profile.go; files in $profile_dir)"
	for pass in 1 2 3; do
		use $((pass == 3))
		"$profile_dir/profile" -config "$tmp/pw.yaml" -cpu "$profile_dir/cpu.$pass.pprof" \
			-heap "$profile_dir/heap.$pass.pprof" >"$profile_dir/profile.$pass.txt"
		echo
		echo "### $(pass_name "$pass") pass"
		echo
		echo '```'
		cat "$profile_dir/profile.$pass.txt"
		go tool pprof -top -cum -nodecount=25 \
			-show 'policywatch/|^golang.org/x/net/html.Parse$|zstd.\(\*Encoder\).(Write|Close)$|zstd.\(\*Encoder\).ResetWithOptions$|^encoding/json.Unmarshal$|^modernc.org/sqlite.\(\*conn\).step$' \
			"$profile_dir/profile" "$profile_dir/cpu.$pass.pprof" 2>/dev/null | sed -n '/^Duration/p; /^ *flat/,$p'
		echo '```'
	done
	echo
	echo "More: go tool pprof -top -cum $profile_dir/profile $profile_dir/cpu.1.pprof;" \
		"go tool pprof -sample_index=alloc_space -top $profile_dir/profile $profile_dir/heap.1.pprof"
fi

# --- the daemon's memory ----------------------------------------------------

# daemon N: runs `policywatch run` over N watches until its first pass is
# done, lets it idle $idle s, and appends "first_pass_s cpu_s rss_kib
# hwm_kib rssfile_kib rssanon_kib" to $tmp/res/daemon.N.
daemon() {
	local n=$1 cfg=$tmp/d$1.yaml log=$tmp/d$1.log db=$tmp/d$1.db pid start done_at checked hz
	rm -f "$db" "$db-wal" "$db-shm"
	pw_config "$n" "$db" "@every 6h" info >"$cfg"
	use 0
	: >"$log"
	start=$(date +%s.%N)
	"$tmp/policywatch" run --config "$cfg" >/dev/null 2>"$log" &
	pid=$!
	daemon_pid=$pid
	while :; do
		checked=$(grep -c 'msg=checked' "$log" || true)
		((checked >= n)) && break
		kill -0 "$pid" 2>/dev/null || die "policywatch run ($n watches) exited: $(tail -n5 "$log")"
		(($(date +%s) - ${start%.*} < 1800)) || die "policywatch run ($n watches): first pass not done after 30 min"
		sleep 0.2
	done
	done_at=$(date +%s.%N)
	grep -q 'fetch failed' "$log" && die "policywatch run ($n watches): fetch failures: $(grep -m3 'fetch failed' "$log")"
	sleep "$idle"
	hz=$(getconf CLK_TCK)
	awk -v s="$start" -v d="$done_at" -v hz="$hz" \
		-v cpu="$(awk '{ print $14 + $15 }' "/proc/$pid/stat")" \
		-v rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")" \
		-v hwm="$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")" \
		-v file="$(awk '/^RssFile/ { print $2 }' "/proc/$pid/status")" \
		-v anon="$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status")" \
		'BEGIN { print d - s, cpu / hz, rss, hwm, file, anon }' >>"$tmp/res/daemon.$n"
	kill -TERM "$pid"
	wait "$pid" || die "policywatch run ($n watches) did not stop cleanly on SIGTERM: $(tail -n5 "$log")"
	daemon_pid=
}

for ((r = 1; r <= runs; r++)); do
	for n in $daemon_sizes; do
		say "run $r of $runs: policywatch run with $n watches"
		daemon "$n"
	done
done

echo
echo "## policywatch run: memory $idle s after the first pass (schedules @every 6h), medians of $runs runs"
echo
echo "| watches | first pass s | CPU s (process) | VmRSS MiB | of which the binary's pages (RssFile) MiB | of which the process's own memory (RssAnon) MiB | VmHWM (peak) MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in $daemon_sizes; do
	f=$tmp/res/daemon.$n
	awk -v n="$n" -v w="$(med "$f" 1)" -v c="$(med "$f" 2)" -v r="$(med "$f" 3)" -v h="$(med "$f" 4)" -v fl="$(med "$f" 5)" -v an="$(med "$f" 6)" \
		'BEGIN { printf "| %d | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f |\n", n, w, c, r / 1024, fl / 1024, an / 1024, h / 1024 }'
done
# target WHAT VALUE LIMIT UNIT: one line of the targets list.
target() {
	awk -v w="$1" -v v="$2" -v t="$3" -v u="$4" 'BEGIN {
		printf "- %s: %.2f %s, target under %s %s: %s\n", w, v, u, t, u, v < t ? "met" : sprintf("**missed** (%.1fx)", v / t)
	}'
}

echo
echo "Targets (issue 7), medians:"
echo
mib() { awk -v k="$1" 'BEGIN { print k / 1024 }'; }
for pass in 1 2 3; do
	f=$tmp/res/policywatch.$pass
	target "check, $(pass_name "$pass") pass, wall" "$(med "$f" 1)" 0.4 s
	target "check, $(pass_name "$pass") pass, peak RSS" "$(mib "$(med "$f" 3)")" 40 MiB
done
for n in $daemon_sizes; do
	case $n in
	8) limit=25 ;;
	1000) limit=60 ;;
	*) continue ;;
	esac
	target "run, $n watches, VmRSS after the first pass" "$(mib "$(med "$tmp/res/daemon.$n" 3)")" "$limit" MiB
done

echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). The machine may be shared: re-run for final figures."
