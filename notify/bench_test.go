package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
)

// facebookRig replays the first n snapshots of Facebook's policy history.
func facebookRig(b *testing.B, n int) *rig {
	h := corpustest.Open(b, corpustest.Facebook)
	r := newRig(b)
	r.watch = monitor.Watch{Name: "facebook-privacy-policy", URL: r.pages.URL + "/policy", Select: []string{"#policy"}, Fetcher: "http"}
	for _, s := range h.Steps[:n] {
		body, err := s.Read()
		if err != nil {
			b.Fatal(err)
		}
		r.check(string(body), s.Date)
	}
	return r
}

// BenchmarkFeedCold renders the Atom feed of Facebook's real history
// (every change of its first 250 snapshots, each with a diff excerpt of
// two ~60 kB texts) by a fresh Service: nothing cached.
func BenchmarkFeedCold(b *testing.B) {
	r := facebookRig(b, 250)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil)
		if _, _, err := svc.Feed(ctx, "", monitor.SeverityInfo, "all", "/feeds/all.atom"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFeedWarm serves the same feed again: a query and the cache.
func BenchmarkFeedWarm(b *testing.B) {
	r := facebookRig(b, 250)
	ctx := context.Background()
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, nil)
	if _, _, err := svc.Feed(ctx, "", monitor.SeverityInfo, "all", "/feeds/all.atom"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := svc.Feed(ctx, "", monitor.SeverityInfo, "all", "/feeds/all.atom"); err != nil {
			b.Fatal(err)
		}
	}
}

// criticalChangeFor records a baseline and a critical change of a watch
// that n subscribers follow, and returns a Service that sends through a
// real SMTP server: n alerts to plan.
func criticalChangeFor(b *testing.B, n int, cfg notify.Config) *notify.Service {
	r := newRig(b)
	for i := range n {
		r.subscribe(fmt.Sprintf("s%d@example.org", i), nil)
	}
	svc := r.service(cfg, newMailServer(b))
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	return svc
}

// BenchmarkDispatch1000Subscribers plans one critical change for 1000
// subscribers: 1000 alert rows in one transaction.
func BenchmarkDispatch1000Subscribers(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		svc := criticalChangeFor(b, 1000, notify.Config{})
		b.StartTimer()
		if n, err := svc.Dispatch(ctx); err != nil || n != 2 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkSendAlerts sends 200 alerts through a real SMTP server with
// STARTTLS and authentication, recording each: the throughput of one
// sender.
func BenchmarkSendAlerts(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		svc := criticalChangeFor(b, 200, notify.Config{BaseURL: "https://pw.example"})
		if _, err := svc.Dispatch(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if n, err := svc.SendDue(ctx); err != nil || n != 200 {
			b.Fatal(n, err)
		}
	}
}
