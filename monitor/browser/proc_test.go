package browser

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Helpers that read /proc, to check what the browser leaves behind.

// procStat returns the state letter and parent pid of a process, or ok
// false when it does not exist.
func procStat(pid int) (state byte, ppid int, ok bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	rest := raw[bytes.LastIndexByte(raw, ')')+2:]
	fields := strings.Fields(string(rest))
	if len(fields) < 2 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	return fields[0][0], ppid, true
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != 'Z'
}

// allPIDs lists the processes in /proc.
func allPIDs(t testing.TB) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// descendants lists the living children, grandchildren... of pid.
func descendants(t testing.TB, pid int) []int {
	t.Helper()
	children := map[int][]int{}
	for _, p := range allPIDs(t) {
		if _, ppid, ok := procStat(p); ok {
			children[ppid] = append(children[ppid], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// cmdline returns the arguments of a process.
func cmdline(pid int) []string {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
}

// userDataDir is the --user-data-dir a Chromium process was started with.
func userDataDir(pid int) string {
	for _, arg := range cmdline(pid) {
		if dir, ok := strings.CutPrefix(arg, "--user-data-dir="); ok {
			return dir
		}
	}
	return ""
}

// environ returns the value of an environment variable of a process.
func environ(pid int, key string) string {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	for kv := range strings.SplitSeq(string(raw), "\x00") {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// processesUsing lists the living processes with dir in an argument:
// Chromium's children get --user-data-dir=dir, its crash handler
// --database=dir/Crashpad.
func processesUsing(t testing.TB, dir string) []int {
	t.Helper()
	var out []int
	for _, p := range allPIDs(t) {
		if p == os.Getpid() {
			continue
		}
		for _, arg := range cmdline(p) {
			if strings.Contains(arg, dir) && alive(p) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// rssKB reads VmRSS of a process ("self" for this one) in kB.
func rssKB(t testing.TB, pid string) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// treePSSKB adds up the proportional set size (shared pages divided among
// their users) of pid and its descendants, in kB: Chromium's processes
// share most of their pages, so their RSS would count those many times.
func treePSSKB(t testing.TB, pid int) int64 {
	t.Helper()
	var total int64
	for _, p := range append(descendants(t, pid), pid) {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/smaps_rollup")
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				total += kb
			}
		}
	}
	return total
}
