package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// releaseCodePages tells the kernel that the daemon, idle for hours, does
// not need its executable's read-only pages (code, read-only data, the
// runtime's function tables): they leave the process's resident set and
// come back from the page cache, by minor faults, when the next pass runs.
// Left alone they stay resident for the whole sleep and make up two thirds
// of an idle daemon's RSS although the kernel could drop them at any time.
//
// Only mappings of the executable itself that are read-only and hold no
// anonymous page are released: MADV_DONTNEED on such a mapping loses
// nothing, since every page reads back from the file as it was. A writable
// mapping (Go's data and bss) or one changed in memory, whose changed pages
// are anonymous copies (a debugger's breakpoint, a relocated read-only
// segment), is left alone. smaps's Private_Dirty is no guide: it also
// counts file pages not yet written back, as a freshly built binary's are.
// It returns how many bytes it released.
func releaseCodePages() (int64, error) {
	var exe syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &exe); err != nil {
		return 0, fmt.Errorf("finding the executable: %w", err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("reading the process's mappings: %w", err)
	}
	defer f.Close()
	mappings, err := parseSmaps(bufio.NewScanner(f))
	if err != nil {
		return 0, fmt.Errorf("reading the process's mappings: %w", err)
	}
	var released int64
	for _, m := range mappings {
		if m.inode != exe.Ino || m.writable || m.changed {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			return released, fmt.Errorf("releasing %x-%x: %w", m.start, m.end, errno)
		}
		released += m.rss
	}
	return released, nil
}

// mapping is what releaseCodePages needs of one entry of /proc/self/smaps.
type mapping struct {
	start, end uintptr
	inode      uint64
	writable   bool
	changed    bool  // holds anonymous pages: copies changed in memory
	rss        int64 // bytes resident
}

// parseSmaps reads smaps(5): a header line per mapping ("start-end perms
// offset dev inode path") followed by "Field: value kB" lines.
func parseSmaps(sc *bufio.Scanner) ([]mapping, error) {
	var out []mapping
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if name, ok := strings.CutSuffix(fields[0], ":"); ok {
			if len(out) == 0 || len(fields) < 2 {
				continue
			}
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				continue // VmFlags and other non-numeric fields
			}
			m := &out[len(out)-1]
			switch name {
			case "Rss":
				m.rss = kb << 10
			case "Anonymous":
				m.changed = kb > 0
			}
			continue
		}
		if len(fields) < 5 {
			return nil, fmt.Errorf("unexpected line %q", line)
		}
		start, end, ok := strings.Cut(fields[0], "-")
		if !ok {
			return nil, fmt.Errorf("unexpected line %q", line)
		}
		s, err1 := strconv.ParseUint(start, 16, 64)
		e, err2 := strconv.ParseUint(end, 16, 64)
		inode, err3 := strconv.ParseUint(fields[4], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("unexpected line %q", line)
		}
		out = append(out, mapping{start: uintptr(s), end: uintptr(e), inode: inode, writable: strings.Contains(fields[1], "w")})
	}
	return out, sc.Err()
}
