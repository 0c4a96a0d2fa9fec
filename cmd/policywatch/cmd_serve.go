package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

func serveCommand() *command {
	type opts struct{ listen string }
	return &command{
		name: "serve", args: "[--listen ADDR]", maxArgs: 0, keepOnHangup: true,
		preflight: func(_ context.Context, a *app, o any, _ []string) error { return servePreflight(a, o.(*opts).listen) },
		// serve's shared lock, before the database is opened: a restore
		// that ran between the opening and the lock would leave serve on
		// the file it replaced.
		lockDB: func(path string) (func(), error) {
			unlock, err := shareDatabase(path)
			if err != nil {
				return nil, fmt.Errorf("serve: %w", err)
			}
			return unlock, nil
		},
		short: "serve the web view of the history, without checking anything",
		long: `Serves the web view (the daemon, 'policywatch run', serves it too): every
watch at a glance, each watch's timeline, changes side by side with their
analysis, any version's text, evidence bundles, a JSON API under /api/,
/healthz and Prometheus /metrics. Runs until interrupted (SIGINT or
SIGTERM); SIGHUP is logged and changes nothing (restart it to apply a
changed configuration).

It runs beside the daemon, but a restore of the database refuses while it
runs (serve holds a shared lock, DATABASE.serve.lock, which run does not
take and restore does), and it refuses to start while a restore runs.

It listens on web.listen (default 127.0.0.1:8080). Listening on anything
but loopback requires web.auth in the configuration (user and
password_hash, or token_file); without it, serve refuses to start.

Examples:
  policywatch serve
  policywatch serve --listen 127.0.0.1:9000 --db /var/lib/policywatch/policywatch.db`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.StringVar(&o.listen, "listen", "", "listen on `ADDR` (host:port) instead of web.listen")
			return o
		},
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			srv, err := a.newWebServer(o.(*opts).listen)
			if err != nil {
				return err
			}
			// Feeds and unsubscribe links need the notification service,
			// and of its secrets only the signing key: serve sends nothing.
			// A key it cannot read stops it, as it stops run: serving the
			// view without the unsubscribe page would break, without a
			// word but a log line, the links of mail already sent.
			n, err := a.newSigningNotifier()
			if err != nil {
				return err
			}
			mountNotifier(srv, n)
			return srv.Run(ctx)
		},
	}
}

// mountNotifier serves the notification service's pages on the web view's
// listener: unsubscribe links work without the web view's credentials (they
// come from email, signed); feeds sit behind them.
func mountNotifier(srv *web.Server, n *notify.Service) {
	h := n.Handler()
	srv.HandleSigned("/unsubscribe", h)
	srv.Handle("GET /feeds/", h)
}

// newWebServer builds the web view from the configuration's web section;
// listen, when not empty, replaces web.listen. It refuses a non-loopback
// address without authentication.
func (a *app) newWebServer(listen string, opts ...web.Option) (*web.Server, error) {
	cfg, err := a.webConfig()
	if err != nil {
		return nil, err
	}
	if listen != "" {
		cfg.Listen = listen
	}
	return web.New(cfg, a.db, append([]web.Option{
		web.WithLogger(a.log),
		web.WithWatches(a.cfg.Watches),
		web.WithNotFound(store.ErrNotFound),
		web.WithTaxonomy(a.taxonomy()),
	}, opts...)...)
}

// servePreflight refuses serve's listen address without authentication
// before the database is looked for: both are mistakes, and the one in
// the configuration is the one to put right first.
func servePreflight(a *app, listen string) error {
	cfg, err := a.webConfig()
	if err != nil {
		return err
	}
	if listen != "" {
		// A malformed --listen is a mistake in the command line, as a bad
		// --concurrency is: exit status 2, the option named (the demo's
		// words).
		if _, err := web.ListenIsLoopback(listen); err != nil {
			return usageError{msg: fmt.Sprintf("--listen: %v", err)}
		}
		cfg.Listen = listen
	}
	err = cfg.Validate()
	switch {
	case err == nil:
		return nil
	case listen != "" && errors.Is(err, web.ErrAuthRequired):
		// Validate names web.listen, which said something else.
		return fmt.Errorf("--listen %s: %w", listen, web.ErrAuthRequired)
	}
	return fmt.Errorf("web: %w", err)
}

// webConfig is the configuration's web section with its token read: once
// per command, however many steps need it (serve's preflight, then the
// server). Callers get a copy to adjust (--listen).
func (a *app) webConfig() (web.Config, error) {
	if a.webConf == nil {
		cfg, err := a.cfg.WebConfig()
		if err != nil {
			return web.Config{}, err
		}
		a.webConf = cfg
	}
	return *a.webConf, nil
}
