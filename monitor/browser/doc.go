// Package browser renders pages that need a browser: policies whose text is
// written by JavaScript, and sites that answer anything but a real browser
// with an error page.
//
// A Browser drives one headless Chromium process over the DevTools protocol
// (github.com/chromedp/chromedp), shared by every caller. The process is
// started on the first Render, not by New, and closed again after
// Options.IdleTimeout without work, so a daemon that renders a few pages a
// day does not keep a few hundred megabytes of browser in memory. If the
// process dies, the next Render starts a new one.
//
// Render opens one tab per page in a fresh browser context (no cookies,
// storage or cache shared between renders, so one check cannot change what
// the next one sees), waits until the document has fully loaded and then for
// one of the caller's selectors to be visible or, without selectors, for the
// network to go idle, and returns the serialised DOM together with the main
// document's HTTP status and headers.
//
// Scraped pages are hostile and the browser runs them, so they are kept
// apart from the rest of the system: every process gets a new, empty
// --user-data-dir that is removed with it, extensions, downloads, popups,
// background networking and the GPU are off, JavaScript dialogs are
// dismissed, the DOM that comes back is size-capped, only http and https
// URLs are rendered, and each page has a hard Timeout after which its tab is
// closed without holding up other renders. The DevTools connection is a
// pipe, not a TCP port, so no other local process can drive the browser.
// With Request.Dial, a render's every connection goes through a proxy on
// loopback of its own, Chromium's exception for loopback taken away, and
// Dial decides what the page may reach: monitor/fetch lets a page of the
// internet reach the internet only, not the server's own network.
// Chromium's own sandbox stays on unless the process runs as root, where
// Chromium refuses to start with it.
//
// browser is a leaf: it imports the standard library and chromedp (with its
// cdproto), never another policywatch package.
package browser
