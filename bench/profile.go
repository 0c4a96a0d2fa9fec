//go:build ignore

// profile runs one `policywatch check` pass with a CPU and a heap profile,
// for bench/run.sh (BENCH_PROFILE=DIR). The command itself has no profiling
// flag, so this wires the same pieces as cmd/policywatch's check command
// (config.Load, store.Open, fetch.New as in app.newChecker,
// monitor.CheckAll) and must follow it when that wiring changes.
//
//	go build -o profile bench/profile.go
//	./profile -config policywatch.yaml -cpu cpu.pprof -heap heap.pprof
//	go tool pprof -top -cum profile cpu.pprof
//
// It prints how long each phase took and, after the pass and a forced
// garbage collection, the live heap and the process's resident memory.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
)

func main() {
	cfgPath := flag.String("config", "", "configuration `FILE`")
	cpuPath := flag.String("cpu", "cpu.pprof", "write the CPU profile to `FILE`")
	heapPath := flag.String("heap", "heap.pprof", "write the heap profile (allocations since start) to `FILE`")
	concurrency := flag.Int("concurrency", min(4, max(2, runtime.NumCPU())), "checks at most `N` at a time, as check's default (one per CPU, 2 to 4)")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(75) // as cmd/policywatch's main
	}
	ctx := context.Background()

	start := memory("at start (package initialisation done)")
	cpu, err := os.Create(*cpuPath)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		log.Fatal(err)
	}
	t0 := time.Now()
	cfg, err := config.LoadWithoutSecrets(*cfgPath) // as check: it sends nothing
	if err != nil {
		log.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.Settings.Database)
	if err != nil {
		log.Fatal(err)
	}
	t1 := time.Now()
	s := cfg.Settings
	retries := s.Retries
	if retries == 0 {
		retries = -1 // as app.newChecker: the config's 0 means none
	}
	client := fetch.New(fetch.Options{
		UserAgent: s.UserAgent, Timeout: s.Timeout, MaxBody: s.MaxBody,
		Retries: retries, HostInterval: s.HostInterval,
	})
	checker := monitor.NewChecker(client, db, monitor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	events := 0
	err = monitor.CheckAll(ctx, checker, cfg.Watches, *concurrency, func(_ monitor.Watch, r *monitor.Result) {
		events += len(r.Events)
	})
	if err != nil {
		log.Fatal(err)
	}
	t2 := time.Now()
	pprof.StopCPUProfile()
	cpu.Close()
	after := memory("after the pass (database still open)")
	db.Close()
	t3 := time.Now()
	heap, err := os.Create(*heapPath)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(heap, 0); err != nil {
		log.Fatal(err)
	}
	heap.Close()
	fmt.Printf("load config and open database %v, %d checks %v, close %v; %d events\n",
		t1.Sub(t0).Round(time.Millisecond), len(cfg.Watches), t2.Sub(t1).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond), events)
	fmt.Println(start)
	fmt.Println(after)
}

// memory collects garbage and describes the live heap and resident memory.
func memory(when string) string {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: live heap %d MiB, heap from the OS %d MiB (released %d MiB)",
		when, ms.HeapAlloc>>20, ms.HeapSys>>20, ms.HeapReleased>>20)
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "VmRSS" || k == "VmHWM") {
			fmt.Fprintf(&b, ", %s %s", k, strings.Join(strings.Fields(v), " "))
		}
	}
	return b.String()
}
