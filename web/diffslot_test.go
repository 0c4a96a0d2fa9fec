package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestChangeViewsMakeOneDiffAtATime: while a diff is being made, a change
// view waits for it (a page made to change 330,000 lines takes seconds and
// hundreds of megabytes to diff: a few at once would take a small
// server's memory), a reader who gives up waiting gets nothing, and the
// view comes as soon as the diff before it is done.
func TestChangeViewsMakeOneDiffAtATime(t *testing.T) {
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	t0 := time.Date(2026, 4, 23, 12, 0, 0, 0, time.UTC)
	header := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	page := func(words string) []byte {
		return []byte(`<!DOCTYPE html><html lang="en"><head><title>Policy</title></head><body><main id="policy"><h1>Privacy Policy</h1><p>` +
			strings.Repeat("We collect the posts and photos you share. ", 40) + words + `</p></main></body></html>`)
	}
	r.step(t, t0, 200, page("Effective March 3, 2026."), header)
	r.step(t, t0.Add(24*time.Hour), 200, page("Effective May 27, 2026, and we train AI on them."), header)
	s, ts := r.server(t)
	events, err := r.DB.Events(context.Background(), monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindChange}})
	if err != nil || len(events) != 1 {
		t.Fatalf("events %v, %v; want one change", events, err)
	}
	view := fmt.Sprintf("%s/events/%d", ts.URL, events[0].ID)

	release := s.HoldDiffSlot()
	impatient := &http.Client{Timeout: 200 * time.Millisecond}
	if resp, err := impatient.Get(view); err == nil {
		resp.Body.Close()
		t.Fatalf("the change view answered %s while another diff was being made", resp.Status)
	}
	done := make(chan []byte)
	go func() {
		resp, err := http.Get(view)
		if err != nil {
			done <- []byte(err.Error())
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- body
	}()
	select {
	case <-done:
		t.Fatal("the change view came while another diff was being made")
	case <-time.After(300 * time.Millisecond):
	}
	release()
	select {
	case body := <-done:
		if !strings.Contains(string(body), "train AI") {
			t.Errorf("the change view, once the slot was free:\n%.2000s", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the change view did not come once the diff before it was done")
	}
}
