#!/usr/bin/env bash
# bench/gobench.sh: every Go benchmark the README's Benchmarks section
# cites, each run as the README's command runs it, printed as one
# Markdown table of medians (time, memory and allocations per op, and the
# benchmark's own figures: database bytes, pages parsed, MB/s).
#
# Run from anywhere: bench/gobench.sh              (about 10 minutes)
#                    bench/gobench.sh Replay Store  (only the rows whose
#                                                   benchmark or package
#                                                   matches one of the words)
# Environment: BENCH_COUNT (overrides each row's -count),
# POLICYWATCH_CORPUS (default ../shared/corpus beside the repository: the
# benchmarks that replay it skip without it, and say so).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bench_name=gobench
. bench/lib.sh

# package|benchmark pattern|extra flags. Keep in step with the README's
# Benchmarks tables (each row there gives the same command).
rows=(
	"./monitor|CheckPrintableSnapshot|-benchmem -count 5"
	"./monitor|BaselinePrintableSnapshot|-benchmem -count 5"
	"./monitor|ExtractCompareSnapshot|-benchmem -count 5"
	"./monitor|ReplayPrintableHistory|-benchtime 2x -count 3"
	"./monitor/extract|ExtractPrintable|-benchmem -count 5"
	"./monitor/extract|ParsePrintable|-benchmem -count 5"
	"./monitor/extract|ShapePrintable|-benchmem -count 5"
	"./monitor/extract|RenderPrintable|-benchmem -count 5"
	"./monitor/extract|DetectLanguage|-benchmem -count 5"
	"./monitor/extract|Hostile|-benchmem -benchtime 10x -count 3"
	"./monitor/analyze|FactSheetAndCompare|-benchmem -count 5"
	"./monitor/diff|Compute\$|-benchmem -count 3"
	"./store|StorePrintableBodies|-benchtime 3x -count 3"
	"./store|ReadBody|-benchtime 20x -count 3"
	"./store|VerifyPrintable|-benchmem -count 3"
	"./store|CompressWholePage|-benchmem -count 5"
	"./store|State\$|RecordUnchangedCheck|-benchmem -count 6"
	"./store|MetricsCounters|-benchmem -count 6"
	"./archive|ImportFacebookHistory|-benchtime 2x -count 3"
	"./web|Overview200Watches|-benchmem -count 3"
	"./web|ChangeViewFacebook|-benchmem -count 3"
	"./monitor/browser|Render|-benchtime 20x -count 3"
)

wanted() {
	local w
	(($# == 0)) && return 0
	for w in "$@"; do
		[[ $row == *"$w"* ]] && return 0
	done
	return 1
}

workspace
printf '| benchmark | median | command |\n|---|---|---|\n'
for row in "${rows[@]}"; do
	wanted "$@" || continue
	pkg=${row%%|*}
	rest=${row#*|}
	flags=${rest##*|}
	pattern=${rest%|*}
	if [[ -n ${BENCH_COUNT:-} ]]; then
		flags=$(sed -E "s/-count [0-9]+/-count $BENCH_COUNT/" <<<"$flags")
		[[ $flags == *-count* ]] || flags+=" -count $BENCH_COUNT"
	fi
	say "go test $pkg -run '^\$' -bench '$pattern' $flags"
	# shellcheck disable=SC2086 # flags are words
	if ! go test "$pkg" -run '^$' -bench "$pattern" $flags >"$tmp/out" 2>&1; then
		cat "$tmp/out" >&2
		die "$pkg $pattern failed"
	fi
	grep -E '^--- SKIP|skip' "$tmp/out" | head -3 >&2 || true
	# Medians per benchmark and unit: "Name-2  N  12.3 ns/op  45 B/op ...".
	awk -v cmd="go test $pkg -run '^\$' -bench '$pattern' $flags" '
		function median(list,   n, v, i, j, t) {
			n = split(list, v, " ")
			for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
			return v[int((n + 1) / 2)]
		}
		function human(x, unit) {
			if (unit == "ns/op") {
				if (x >= 1e9) return sprintf("%.2f s/op", x / 1e9)
				if (x >= 1e6) return sprintf("%.2f ms/op", x / 1e6)
				if (x >= 1e3) return sprintf("%.1f µs/op", x / 1e3)
				return sprintf("%.0f ns/op", x)
			}
			if (unit == "B/op") return x >= 1e6 ? sprintf("%.2f MB/op", x / 1e6) : sprintf("%.0f kB/op", x / 1e3)
			if (unit == "allocs/op") return x >= 1e4 ? sprintf("%.1fk allocs/op", x / 1e3) : sprintf("%d allocs/op", x)
			if (unit == "db-bytes") return sprintf("database %.2f MB", x / 1e6)
			if (unit ~ /^ns\//) return sprintf("%.2f ms/%s", x / 1e6, substr(unit, 4))
			return sprintf("%g %s", x, unit)
		}
		/^Benchmark/ {
			name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
			if (!(name in seen)) { seen[name] = 1; order[++names] = name }
			for (i = 3; i < NF; i += 2) {
				key = name SUBSEP $(i + 1)
				if (!(key in vals)) { units[name] = units[name] " " $(i + 1) }
				vals[key] = vals[key] " " $i
			}
		}
		END {
			for (k = 1; k <= names; k++) {
				name = order[k]; line = ""
				n = split(substr(units[name], 2), u, " ")
				for (i = 1; i <= n; i++) line = line (i > 1 ? ", " : "") human(median(vals[name SUBSEP u[i]]), u[i])
				printf "| %s | %s | `%s` |\n", name, line, cmd
			}
		}' "$tmp/out"
done
