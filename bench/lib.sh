# bench/lib.sh: what bench/run.sh, bench/ab.sh and bench/soak.sh share. Sourced, not run,
# after `set -euo pipefail` and a `cd` to the repository's root.
#
# Defines say and die (messages prefixed with $bench_name), require_corpus,
# workspace (a temporary folder in $tmp, removed on exit with the page
# server and the daemon, whose PIDs the scripts keep in $server_pid and
# $daemon_pid), start_server (bench/serve on 127.0.0.1: $addr), pw_config,
# bytes and get.

say() { printf '%s: %s\n' "$bench_name" "$*" >&2; }
die() {
	say "$*"
	exit 1
}

# require_corpus: sets $archive to the printable history's tarball, or ends
# the script (status 0: a missing corpus is not a failure) saying where it
# was looked for.
require_corpus() {
	local corpus=${POLICYWATCH_CORPUS:-$PWD/../shared/corpus}
	archive=$corpus/meta-printable-policy.tar.xz
	if [[ ! -f $archive ]]; then
		say "skipped: $archive not found (the shared corpus is expected in ../shared/corpus beside the repository; set POLICYWATCH_CORPUS to point elsewhere)"
		exit 0
	fi
}

# workspace: makes $tmp, and stops the daemon and the server and removes
# $tmp on exit, Ctrl-C included.
workspace() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/policywatch-$bench_name.XXXXXX")
	server_pid='' daemon_pid=''
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

cleanup() {
	local p
	for p in $daemon_pid $server_pid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}

# start_server N FILE...: bench/serve (built in $tmp) serving the files
# under /p000.html … /p(N-1).html; sets $addr (host:port).
start_server() {
	local n=$1
	shift
	"$tmp/serve" -n "$n" "$@" >"$tmp/serve.addr" 2>"$tmp/serve.log" &
	server_pid=$!
	for _ in $(seq 100); do
		[[ -s $tmp/serve.addr ]] && break
		sleep 0.05
	done
	[[ -s $tmp/serve.addr ]] || die "the page server did not start: $(cat "$tmp/serve.log")"
	addr=$(head -n1 "$tmp/serve.addr")
}

# pw_config N DB SCHEDULE LOGLEVEL: a policywatch configuration of N
# watches of the local pages. The daemon's web view listens on a free port
# (8080 may be taken).
pw_config() {
	local i
	printf 'settings:\n  database: %s\n  schedule: "%s"\n  host_interval: 0s\n  retries: 0\n  log_level: %s\n' "$2" "$3" "$4"
	printf 'web:\n  listen: 127.0.0.1:0\n'
	printf 'watches:\n'
	for ((i = 0; i < $1; i++)); do
		printf '  - name: p%03d\n    url: http://%s/p%03d.html\n    select: ["#root"]\n' "$i" "$addr" "$i"
	done
}

# bytes FILE...: total size of those of the files that exist.
bytes() {
	local f total=0
	for f in "$@"; do
		[[ -e $f ]] && total=$((total + $(stat -c %s "$f")))
	done
	echo "$total"
}

# get PATH: the body of http://$addr/PATH (bash's /dev/tcp: no curl needed).
get() {
	local fd
	exec {fd}<>"/dev/tcp/${addr%:*}/${addr##*:}"
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" "$addr" >&"$fd"
	sed '1,/^\r$/d' <&"$fd"
	exec {fd}>&-
}
