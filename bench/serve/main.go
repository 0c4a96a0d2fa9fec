// Command serve is the local page server of bench/run.sh. It serves one of
// the HTML files named on its command line under every path /pNNN.html
// (NNN < -n) on 127.0.0.1, without ETag or Last-Modified, like Meta's
// dynamic pages, so that every fetch gets the whole body. It prints its
// address (host:port) on stdout once it listens.
//
// Control paths, for the script:
//
//	GET /_use?i=K   serve the K-th file from now on (0 at start)
//	GET /_count     how many page requests have been answered so far
//
// Usage:
//
//	go build -o serve ./bench/serve && ./serve -n 100 0001.html 0002.html
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

func main() {
	n := flag.Int("n", 100, "serve /p000.html … /p(`N`-1).html")
	addr := flag.String("addr", "127.0.0.1:0", "listen `ADDR`ess")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: serve [-n N] [-addr ADDR] FILE...")
	}
	var bodies [][]byte
	for _, name := range flag.Args() {
		b, err := os.ReadFile(name)
		if err != nil {
			log.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	var count, current atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/_count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, count.Load())
	})
	mux.HandleFunc("/_use", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.URL.Query().Get("i"))
		if err != nil || i < 0 || i >= len(bodies) {
			http.Error(w, "i: want 0 to "+strconv.Itoa(len(bodies)-1), http.StatusBadRequest)
			return
		}
		current.Store(int64(i))
		fmt.Fprintln(w, i)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/p")
		name, ok2 := strings.CutSuffix(name, ".html")
		i, err := strconv.Atoi(name)
		if !ok || !ok2 || err != nil || i < 0 || i >= *n {
			http.NotFound(w, r)
			return
		}
		count.Add(1)
		body := bodies[current.Load()]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Cache-Control", "private, no-cache, no-store, must-revalidate")
		if r.Method != http.MethodHead {
			w.Write(body)
		}
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	log.Fatal(http.Serve(ln, mux))
}
