package browser

import (
	"fmt"
	"strings"
	"testing"
)

// policyPage is an HTML page of about size bytes, a long policy in
// sections, as big as Meta's.
func policyPage(size int) string {
	var sb strings.Builder
	sb.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Privacy Policy</title></head><body><main id="policy">`)
	for i := 0; sb.Len() < size; i++ {
		fmt.Fprintf(&sb, `<section id="s%d"><h2>Section %d</h2><p>We collect information about how you use our Products, `+
			`such as the types of content you view or engage with, the features you use, the actions you take, `+
			`and the time, frequency and duration of your activities. We use it to personalise features and content.</p></section>`, i, i)
	}
	sb.WriteString(`</main></body></html>`)
	return sb.String()
}

// BenchmarkRender renders a 300 KB page in a running browser: once read as
// soon as its main element is visible, once after the network is idle
// (which Chromium declares after 500 ms of quiet, so that is the floor),
// and once as soon as visible through a Dial (the loopback proxy a page of
// a public address is rendered through).
//
//	go test ./monitor/browser -run '^$' -bench Render -benchtime 20x -count 3
func BenchmarkRender(b *testing.B) {
	page := policyPage(300 << 10)
	srv, _ := serve(b, htmlHandler(page))
	for _, bc := range []struct {
		name string
		wait []string
		dial bool
	}{
		{"selector", []string{"#policy"}, false},
		{"network-idle", nil, false},
		{"selector-through-dial", []string{"#policy"}, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			br := newBrowser(b, Options{})
			req := Request{URL: srv.URL, WaitSelectors: bc.wait}
			if bc.dial {
				req.URL = "http://public.test/"
				req.Dial = publicOnly(srv, &dialLog{})
			}
			if _, err := br.Render(b.Context(), req); err != nil { // start the browser
				b.Fatal(err)
			}
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := br.Render(b.Context(), req)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.HTML) < len(page)*9/10 {
					b.Fatalf("rendered %d bytes of a %d-byte page", len(p.HTML), len(page))
				}
			}
		})
	}
}
