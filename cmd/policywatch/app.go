package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/term"

	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/monitor/browser"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// errHelpShown ends a command after --help printed its usage: exit 0.
var errHelpShown = errors.New("help shown")

// errNoCommand is a command line without a command, after the overview
// was printed: exit status 2, and nothing more said.
var errNoCommand = errors.New("no command given")

// env is what a command runs with: its streams and environment. Commands
// take it instead of reaching for os.*, so tests run them in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// hangup receives SIGHUP; nil when nothing sends it (tests that run
	// commands in-process).
	hangup <-chan os.Signal
}

// command is one subcommand.
type command struct {
	name  string
	args  string // synopsis after the name
	short string // one line for the command list
	long  string // what it does, with an example
	noDB  bool   // does not open the database
	// noDBWith, when set, tells from the parsed options that this run
	// needs no database (watches --defaults): printing a file must not
	// create one.
	noDBWith func(opts any) bool
	// createsDB lets the command create a missing database: run, check,
	// import and subscribe write into it, and watches — the README's first
	// step before any check — shows a new database for what it is, every
	// watch "never checked". The others refuse a path where there is none:
	// a mistyped --db must not leave an empty database behind and report
	// its empty history as the truth.
	createsDB bool
	// readOnly opens the database read only (store.OpenReadOnly): verify,
	// which checks backups kept as evidence, must leave them byte for
	// byte, and read them where they cannot be written (a read-only
	// mount, chattr +i, another user's file).
	readOnly bool
	// preflight, when set, checks the command line and configuration
	// before the database is looked for, so that a mistake in them is
	// reported first (serve's listen address and authentication), and
	// before it is created (import's source). It gets what flags returned
	// and the arguments, as run does.
	preflight func(ctx context.Context, a *app, opts any, args []string) error
	// lockDB, when set, takes the database's lock for the command (run,
	// vacuum; serve's shared one): before the database is opened when its
	// file is there, so that a restore finishing between the opening and
	// the lock cannot leave the command on the file it replaced; once it
	// is opened otherwise (run creates it). It returns the unlock
	// function, or the command's error for a lock held.
	lockDB func(path string) (unlock func(), err error)
	noConf bool // does not load the configuration
	// optionUsage, by option name, is how the help describes a common
	// option where the general words do not say what the command does with
	// it (config check: --config is the file it checks, required;
	// restore: --db is the database replaced).
	optionUsage map[string]string
	// notReadWhy, when set, is why the common options the command does
	// not read are refused, for the error refusing one (demo: what it
	// does instead); else the option's own reason ("it opens no
	// database").
	notReadWhy string
	// keepOnHangup: SIGHUP is logged and the command keeps running (the
	// daemons, run and serve, which do not reload their configuration).
	// Any other command stops on it as on SIGINT: its terminal is gone.
	keepOnHangup bool
	// interrupted is what an interrupted run (Ctrl-C, SIGTERM) leaves
	// behind, said after "interrupted;"; by default (see interruption) what
	// finished before is recorded, which is what a check or a digest
	// leaves, but says nothing of a backup that was not written.
	interrupted string
	flags       func(fs *flag.FlagSet) any
	run         func(ctx context.Context, a *app, opts any, args []string) error
	minArgs     int
	maxArgs     int // -1: any
	// tooMany, when set, may explain more arguments than maxArgs better
	// than the usage line does (nil: the usage line).
	tooMany func(rest []string) error
}

// app is what a running command has at hand.
type app struct {
	env
	common  commonFlags
	cfg     *config.Config
	db      *store.DB
	dbPath  string // databasePath's, read once: of the database opened, or the one restore replaces; "" for the others
	log     *slog.Logger
	tax     *analyze.Taxonomy // built on first use by taxonomy
	webConf *web.Config       // read on first use by webConfig
	// sendConf is the notify section with its secrets, read on first use
	// by sendingNotifyConfig.
	sendConf *notify.Config

	closers []func() error // run when the command ends, last first
}

// hint is a policywatch command line to run next, as this one's output
// suggests it: with the --config and --db this one was given, so that,
// pasted, it reads the same configuration and database (the environment's
// POLICYWATCH_CONFIG and POLICYWATCH_DB reach it anyway).
func (a *app) hint(args string) string {
	line := "policywatch " + args
	if a.common.config != "" {
		line += " --config " + shellWord(a.common.config)
	}
	if a.common.db != "" {
		line += " --db " + shellWord(a.common.db)
	}
	return line
}

// shellWord quotes s for a POSIX shell when it holds anything but the
// characters paths are usually made of, or starts with what a shell
// expands ("~", zsh's "="). Double quotes where they suffice: the hints
// stand between single quotes in the messages. Control characters are
// shown, not sent to the terminal (printable).
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s[:1], "~=") && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	if !strings.ContainsAny(s, "\"$`\\!") {
		return `"` + printable(s) + `"`
	}
	return "'" + strings.ReplaceAll(printable(s), "'", `'\''`) + "'"
}

func commands() []*command {
	return []*command{
		runCommand(), checkCommand(), watchesCommand(), eventsCommand(), historyCommand(),
		showCommand(), diffCommand(), configCommand(),
		factsCommand(), explainCommand(), vacuumCommand(), backupCommand(), restoreCommand(), verifyCommand(),
		importCommand(), exportCommand(), demoCommand(),
		subscribeCommand(), unsubscribeCommand(), subscribersCommand(), outboxCommand(), digestCommand(),
		serveCommand(), versionCommand(),
	}
}

const overview = `policywatch watches privacy policies and AI-training pages (Meta's first)
and tells you when what a company collects, why, or by when you must act
has changed — with the exact sentences as evidence and the raw pages kept.

Usage:
  policywatch COMMAND [--config FILE] [--db FILE] [options] [arguments]

Commands:
%s
With no configuration file, policywatch watches Meta's pages (see
'policywatch watches --defaults') and keeps its database in
$XDG_DATA_HOME/policywatch/policywatch.db (~/.local/share/... by default).

Environment:
  POLICYWATCH_CONFIG   configuration file, like --config
  POLICYWATCH_DB       database file, like --db (wins over settings.database)

Run 'policywatch help COMMAND' or 'policywatch COMMAND --help' for details.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	return runEnv(ctx, args, env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv})
}

// runEnv runs the command line args with e: main's entry, which adds the
// SIGHUP channel to what run takes.
func runEnv(ctx context.Context, args []string, e env) error {
	cmds := commands()
	if len(args) == 0 {
		// A usage error, as the go command's: a script whose $CMD is empty
		// must not read success, nor the overview as the command's output.
		// 'policywatch help' prints it to stdout, with exit status 0.
		printOverview(e.stderr, cmds)
		return errNoCommand
	}
	args = commandFirst(args)
	name := args[0]
	if name == "--version" || name == "-version" {
		// What follows is version's to take or refuse (--db, -v): it was
		// dropped without a word.
		name, args = "version", append([]string{"version"}, args[1:]...)
	}
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(args) > 1 && args[1] != "help" { // 'help help': the overview
			if c := findCommand(cmds, args[1]); c != nil {
				printCommandHelp(e.stdout, c)
				return nil
			}
			return usageError{msg: fmt.Sprintf("unknown command %q", args[1])}
		}
		printOverview(e.stdout, cmds)
		return nil
	}
	c := findCommand(cmds, name)
	if c == nil {
		return usageError{msg: fmt.Sprintf("unknown command %q", name)}
	}
	err := c.execute(ctx, e, args[1:])
	if ue := (usageError{}); errors.As(err, &ue) && ue.command == "" {
		ue.command = c.name
		return ue
	}
	return err
}

// commandFirst moves the common flags given before the command after it
// ("policywatch --db F events" is "policywatch events --db F"), as people
// used to git type them; --version among them is the command ("policywatch
// --db F --version" is "policywatch --version --db F", which version
// refuses). Anything else before the command is left for run to refuse
// or take (--help, --version first).
func commandFirst(args []string) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	fs := flag.NewFlagSet("policywatch", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	registerCommon(fs, &commonFlags{})
	asksVersion := fs.Bool("version", false, "")
	if err := fs.Parse(args); err != nil || (fs.NArg() == 0 && !*asksVersion) {
		return args
	}
	rest := fs.Args()
	leading := args[:len(args)-len(rest)]
	if *asksVersion {
		leading = slices.DeleteFunc(slices.Clone(leading), func(a string) bool {
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			return strings.HasPrefix(a, "-") && name == "version" // --version, -version=true
		})
		return slices.Concat([]string{"--version"}, leading, rest)
	}
	return slices.Concat(rest[:1], leading, rest[1:])
}

func findCommand(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printOverview(w io.Writer, cmds []*command) {
	// The column is as wide as the longest name, so that a new command
	// cannot push its description out of line.
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.name))
	}
	var b strings.Builder
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.short)
	}
	fmt.Fprintf(w, overview, b.String())
}

// commonFlags are taken by every command.
type commonFlags struct {
	config, db string
	verbose    bool
}

// newFlagSet returns c's flag set, silent: errors are returned as usage
// errors and help is printed by printCommandHelp.
func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("policywatch "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// printCommandHelp prints c's usage, what it does and the options it
// reads: the common ones it ignores (version's --db, demo's --config) are
// named as not applying rather than listed as if they did something.
func printCommandHelp(w io.Writer, c *command) {
	fs := newFlagSet(c)
	var common commonFlags
	registerCommon(fs, &common)
	if c.flags != nil {
		c.flags(fs)
	}
	reads := commonReads(c)
	shown := newFlagSet(c)
	fs.VisitAll(func(f *flag.Flag) {
		usage := f.Usage
		if u, ok := c.optionUsage[f.Name]; ok {
			usage = u
		}
		if !isCommon(f.Name) || reads[f.Name] {
			shown.Var(f.Value, f.Name, usage)
		}
	})
	var unused []string
	for _, name := range []string{"config", "db", "v"} {
		if !reads[name] {
			unused = append(unused, optionName(name))
		}
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\n", strings.TrimSpace("policywatch "+c.name+" "+c.args), strings.TrimSpace(c.long))
	listed := 0
	shown.VisitAll(func(*flag.Flag) { listed++ })
	switch {
	case len(unused) == 0:
		fmt.Fprintln(w, "Options:")
	case listed == 0:
		fmt.Fprintf(w, "Options: none (%s %s)\n", joinWords(unused), doNotApply(unused))
	default:
		fmt.Fprintf(w, "Options (%s %s):\n", joinWords(unused), doNotApply(unused))
	}
	printOptions(w, shown)
}

// printOptions lists fs's options as flag.PrintDefaults does (the value's
// name, the usage, the default) but names them as the usage lines, the
// messages and the README do: --name, and -v for the one-letter one.
// PrintDefaults wrote -name, which read as another spelling; the command
// line takes both.
func printOptions(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		one := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
		var b strings.Builder
		one.SetOutput(&b)
		one.Var(f.Value, f.Name, f.Usage)
		one.PrintDefaults()
		text := b.String()
		if rest, ok := strings.CutPrefix(text, "  -"+f.Name); ok {
			text = "  " + optionName(f.Name) + rest
		}
		io.WriteString(w, text)
	})
}

// commonReads says which of the common options c reads. --config: the
// commands that load the configuration, and config check, which names the
// file to check with it. --db: the commands that open the database, and
// those that load the configuration to find it (restore: settings.database
// is the file it replaces). -v: every command but those that log nothing
// (version, config check). demo reads -v only. One a command does not
// read is refused when given on its command line (refuseUnread).
func commonReads(c *command) map[string]bool {
	return map[string]bool{
		"config": !c.noConf || c.name == "config",
		"db":     !c.noDB || !c.noConf,
		"v":      c.name != "version" && c.name != "config",
	}
}

// refuseUnread returns a usage error when fs, c's parsed command line,
// gives a common option c does not read ('version --db F', 'config check
// -v'): taken, it would seem to do something. Only the command line is
// refused: POLICYWATCH_CONFIG and POLICYWATCH_DB are set for every
// command, and the commands that do not read them ignore them.
func refuseUnread(c *command, fs *flag.FlagSet) error {
	reads := commonReads(c)
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err != nil || !isCommon(f.Name) || reads[f.Name] {
			return
		}
		why := c.notReadWhy
		if why == "" {
			why = map[string]string{
				"config": "it reads no configuration",
				"db":     "it opens no database",
				"v":      "it logs nothing",
			}[f.Name]
		}
		err = usageError{msg: fmt.Sprintf("%s does not read %s: %s", commandName(c), optionName(f.Name), why)}
	})
	return err
}

// commandName is c's name as typed, with its subcommand when it has only
// one ("config check").
func commandName(c *command) string {
	if first, _, _ := strings.Cut(c.args, " "); first != "" && strings.Trim(first, "abcdefghijklmnopqrstuvwxyz") == "" {
		return c.name + " " + first
	}
	return c.name
}

func isCommon(name string) bool { return name == "config" || name == "db" || name == "v" }

// optionName is how the help names option name in prose: --config, -v.
func optionName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func doNotApply(names []string) string {
	if len(names) == 1 {
		return "does not apply"
	}
	return "do not apply"
}

// joinWords joins words as a sentence does: "a", "a and b", "a, b and c".
func joinWords(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func registerCommon(fs *flag.FlagSet, f *commonFlags) {
	fs.StringVar(&f.config, "config", "", "configuration `FILE` (default $POLICYWATCH_CONFIG, else the built-in Meta watch list)")
	fs.StringVar(&f.db, "db", "", "database `FILE` (default $POLICYWATCH_DB, else settings.database)")
	fs.BoolVar(&f.verbose, "v", false, "verbose: debug logging")
}

func (c *command) execute(ctx context.Context, e env, args []string) (err error) {
	fs := newFlagSet(c)
	var common commonFlags
	registerCommon(fs, &common)
	var opts any
	if c.flags != nil {
		opts = c.flags(fs)
	}
	if err := fs.Parse(interspersed(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(e.stdout, c)
			return errHelpShown
		}
		return usageError{msg: fmt.Sprintf("%s: %s", c.name, flagErrorText(err))}
	}
	if err := refuseUnread(c, fs); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < c.minArgs || (c.maxArgs >= 0 && len(rest) > c.maxArgs) {
		if c.tooMany != nil && len(rest) > c.maxArgs {
			if err := c.tooMany(rest); err != nil {
				return err
			}
		}
		return usageError{msg: "usage: " + strings.TrimSpace("policywatch "+c.name+" "+c.args)}
	}
	a := &app{env: e, common: common}
	if !c.noConf {
		cfg, err := loadConfig(common.config, e.getenv)
		if err != nil {
			return err
		}
		a.cfg = cfg
	}
	level := slog.LevelInfo
	if a.cfg != nil {
		level = a.cfg.Settings.LogLevel
	}
	if common.verbose {
		level = slog.LevelDebug
	}
	a.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	ctx, stopHangups := handleHangups(ctx, e.hangup, c.keepOnHangup, a.log)
	defer stopHangups()
	defer func() { err = c.interruption(ctx, err) }() // ctx: SIGHUP cancels it too
	defer func() {
		for i := len(a.closers) - 1; i >= 0; i-- {
			a.closers[i]()
		}
	}()
	if c.preflight != nil {
		if err := c.preflight(ctx, a, opts, rest); err != nil {
			return err
		}
	}
	needsDB := !c.noDB && (c.noDBWith == nil || !c.noDBWith(opts))
	// restore opens no database but replaces the one the settings name.
	var path string
	if needsDB || (c.noDB && !c.noConf) {
		if path = databasePath(common.db, a.cfg, e.getenv); path == "" {
			return config.ErrNoDefaultDatabase
		}
		a.dbPath = path
	}
	// Whether the file is there decides both when the lock is taken and
	// whether opening it created the database. The lock is a file of its
	// own (DATABASE.lock), so the answer holds across it.
	var statErr error
	if path != "" {
		_, statErr = os.Stat(path)
	}
	locked := false
	if c.lockDB != nil && path != "" {
		if statErr == nil {
			unlock, err := c.lockDB(path)
			if err != nil {
				return err
			}
			defer unlock()
			locked = true
		}
	}
	if needsDB {
		var openOpts []store.OpenOption
		if !c.createsDB {
			openOpts = append(openOpts, store.MustExist())
		}
		var db *store.DB
		if c.readOnly {
			db, err = store.OpenReadOnly(ctx, path)
		} else {
			db, err = store.Open(ctx, path, openOpts...)
		}
		if err == nil && errors.Is(statErr, os.ErrNotExist) {
			// A mistyped --db or POLICYWATCH_DB otherwise shows an empty
			// history as the truth.
			fmt.Fprintf(e.stderr, "policywatch: created a new database at %s (%s)\n", absPath(path), databaseChosenBy(common.db, a.cfg, e.getenv))
		}
		if errors.Is(err, store.ErrNoDatabase) {
			return noDatabaseError(path, common.db, a.cfg, e.getenv)
		}
		if errors.Is(err, store.ErrNotPolicywatch) {
			return fmt.Errorf("%w%s", err, checkDatabaseSetting(common.db, a.cfg, e.getenv))
		}
		if err != nil {
			// store.Open's errors name the database already.
			return err
		}
		defer db.Close()
		a.db = db
	}
	if c.lockDB != nil && !locked {
		unlock, err := c.lockDB(a.db.Path())
		if err != nil {
			return err
		}
		defer unlock()
	}
	return c.run(ctx, a, opts, rest)
}

// interruption returns err as an interruptedError when ctx, the command's,
// was cancelled (Ctrl-C, SIGTERM, SIGHUP). For a command that says what an
// interruption leaves, whatever its work failed with once cancelled
// (SQLite's "interrupted", a half-read file) is the interruption; the
// daemons' other errors at a stop (a database that would not close) are
// their own.
func (c *command) interruption(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || (c.interrupted == "" && !errors.Is(err, context.Canceled)) {
		return err
	}
	left := c.interrupted
	if left == "" {
		left = "what finished before is recorded"
	}
	return interruptedError{left: left, err: err}
}

// interruptedError is a command stopped by Ctrl-C, SIGTERM or SIGHUP: exit
// status 130, saying what it leaves (command.interrupted).
type interruptedError struct {
	left string
	err  error
}

func (e interruptedError) Error() string { return "interrupted: " + e.err.Error() }
func (e interruptedError) Unwrap() error { return e.err }

// handleHangups says what SIGHUP, received on hangup, means while a
// command runs, until the returned stop is called. With keep (the
// daemons), each one is logged as a warning and changes nothing: there is
// no reload, and a signal that ended the daemon without a word, as the
// default action did, would be worse. Otherwise it cancels the returned
// context, as SIGINT does: what finished is recorded, the rest is said to
// be interrupted (exit status 130).
func handleHangups(ctx context.Context, hangup <-chan os.Signal, keep bool, log *slog.Logger) (context.Context, func()) {
	if hangup == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hangup:
				if !keep {
					cancel()
					return
				}
				log.Warn("SIGHUP: the configuration is not reloaded; restart policywatch to apply changes")
			}
		}
	}()
	return ctx, func() {
		cancel()
		<-done
	}
}

// interspersed lets flags follow positional arguments
// ("policywatch diff meta-privacy-policy --color=never"), as people type them.
func interspersed(fs *flag.FlagSet, args []string) []string {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
			if i+1 == len(args) {
				// Last, without its value: the "--" below would be
				// taken as it ('events --watch' looked for a watch
				// named "--"). Parsed last, it is refused as it is.
				return flags
			}
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(append(flags, "--"), positional...)
}

// flagNamed is where the flag package's parse errors name an option:
// "flag provided but not defined: -x", "flag needs an argument: -x",
// "invalid value "v" for flag -x: …", "invalid boolean value "v" for -x: …".
var flagNamed = regexp.MustCompile(`^(flag provided but not defined: |flag needs an argument: |invalid value "(?:[^"\\]|\\.)*" for flag |invalid boolean value "(?:[^"\\]|\\.)*" for )-([^\s:=]+)`)

// flagErrorText is err, an error of flag.FlagSet.Parse, with the option it
// names written as the help and the usage lines write it (--name, -v):
// the flag package wrote -name, however it was typed.
func flagErrorText(err error) string {
	msg := err.Error()
	m := flagNamed.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	return msg[:m[3]] + optionName(msg[m[4]:m[5]]) + msg[m[5]:]
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// configPath is the configuration file named by --config or, without
// it, by POLICYWATCH_CONFIG; "" when neither names one.
func configPath(flagValue string, getenv func(string) string) string {
	if flagValue != "" {
		return flagValue
	}
	return getenv("POLICYWATCH_CONFIG")
}

// loadConfig loads the configuration a command runs with. Its secret
// files are not read here: the commands that need one read it (see
// newNotifier), so that a reading command does not fail on a secret it
// never uses, and no file is read twice.
func loadConfig(path string, getenv func(string) string) (*config.Config, error) {
	if path = configPath(path, getenv); path == "" {
		return config.Defaults(), nil
	}
	return config.LoadWithoutSecrets(path)
}

// noDatabaseError says that there is no database at path, and which
// setting to look at: the one that chose path.
func noDatabaseError(path, flagValue string, cfg *config.Config, getenv func(string) string) error {
	var check string
	if setting := databaseSetting(flagValue, cfg, getenv); setting != "" {
		check = "; is " + setting + " right?"
	}
	return fmt.Errorf("no database at %s (policywatch creates it on the first 'run', 'check', 'import', 'subscribe' or 'watches'%s)", path, check)
}

// checkDatabaseSetting ends the message of a path that holds no
// policywatch database with the setting to look at: "; is --db right?",
// or where the default path came from.
func checkDatabaseSetting(flagValue string, cfg *config.Config, getenv func(string) string) string {
	if setting := databaseSetting(flagValue, cfg, getenv); setting != "" {
		return "; is " + setting + " right?"
	}
	return " (" + databaseChosenBy(flagValue, cfg, getenv) + ")"
}

// databaseSetting names the setting that chose the database's path, ""
// for the default.
func databaseSetting(flagValue string, cfg *config.Config, getenv func(string) string) string {
	switch {
	case flagValue != "":
		return "--db"
	case getenv("POLICYWATCH_DB") != "":
		return "POLICYWATCH_DB"
	case cfg != nil && cfg.Settings.Database != "" && cfg.Settings.Database != config.DefaultDatabasePath():
		return "settings.database"
	}
	return ""
}

// databaseChosenBy says, for a message, what chose the database's path.
func databaseChosenBy(flagValue string, cfg *config.Config, getenv func(string) string) string {
	if setting := databaseSetting(flagValue, cfg, getenv); setting != "" {
		return "from " + setting
	}
	return "the default; --db, POLICYWATCH_DB or settings.database choose another"
}

// absPath is path made absolute, for a message saying where a file is: a
// relative one says nothing of a directory the reader was not in.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// databasePath is the database's path: --db, POLICYWATCH_DB,
// settings.database, else the default; "" when there is no default
// (config.ErrNoDefaultDatabase).
func databasePath(flagValue string, cfg *config.Config, getenv func(string) string) string {
	switch {
	case flagValue != "":
		return flagValue
	case getenv("POLICYWATCH_DB") != "":
		return getenv("POLICYWATCH_DB")
	case cfg != nil && cfg.Settings.Database != "":
		return cfg.Settings.Database
	}
	return config.DefaultDatabasePath()
}

// newChecker wires a Checker from the configuration. Its browser starts
// only when a page needs it, and is closed when the command ends.
func (a *app) newChecker(opts ...monitor.CheckerOption) *monitor.Checker {
	s := a.cfg.Settings
	retries := s.Retries
	if retries == 0 {
		retries = -1 // fetch.Options reads 0 as "the default"; the config means none
	}
	client := fetch.New(fetch.Options{
		UserAgent: s.UserAgent, Timeout: s.Timeout, MaxBody: s.MaxBody,
		Retries: retries, HostInterval: s.HostInterval,
	})
	b := browser.New(browser.Options{
		ExecPath: s.BrowserPath, MaxTabs: s.BrowserTabs, IdleTimeout: s.BrowserIdle, MaxBytes: s.MaxBody,
	}, a.log)
	a.closers = append(a.closers, b.Close)
	base := []monitor.CheckerOption{monitor.WithLogger(a.log), monitor.WithRenderer(b), monitor.WithTaxonomy(a.taxonomy())}
	return monitor.NewChecker(client, a.db, append(base, opts...)...)
}

// taxonomy is the analysis's built-in taxonomy extended by the config's
// taxonomy section (validated when the file was loaded). It is built once
// per command: the checker, the notifier and the web view of the daemon
// share it rather than each parsing and compiling its own.
func (a *app) taxonomy() *analyze.Taxonomy {
	if a.tax == nil {
		a.tax = analyze.DefaultTaxonomy()
		if err := a.tax.Extend(a.cfg.TaxonomyEntries); err != nil {
			a.log.Error("taxonomy entries of the configuration", "err", err) // unreachable: checked at load
		}
	}
	return a.tax
}

// selectWatches returns the configured watches named in names (all when
// names is empty), each once and in the order first named, or an error
// naming the unknown ones.
func (a *app) selectWatches(ctx context.Context, names []string) ([]monitor.Watch, error) {
	if len(names) == 0 {
		return a.cfg.Watches, nil
	}
	byName := map[string]monitor.Watch{}
	for _, w := range a.cfg.Watches {
		byName[w.Name] = w
	}
	var out []monitor.Watch
	var unknown []string
	seen := map[string]bool{}
	for _, n := range names {
		// "check acme acme" is one check, not two of the same page
		// racing each other under a count of two.
		if seen[n] {
			continue
		}
		seen[n] = true
		w, ok := byName[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		out = append(out, w)
	}
	if a.db != nil {
		// A watch since removed from the configuration keeps its history,
		// and a reader who finds it in events should learn why it is
		// not checked, not that it does not exist.
		for _, n := range unknown {
			if known, err := a.db.HasWatch(ctx, n); err == nil && known {
				return nil, fmt.Errorf("%s is no longer in the configuration, so it is not checked; its history stays (see '%s')",
					n, a.hint("history "+n))
			}
		}
	}
	if len(unknown) > 0 {
		return nil, unknownWatchError(unknown, a.watchNames())
	}
	return out, nil
}

// unknownWatchError names the unknown watches, with the closest known name
// when one is near, and lists the configured ones.
func unknownWatchError(unknown, configured []string) error {
	msg := "unknown watch " + strings.Join(unknown, ", ")
	if len(unknown) == 1 {
		if s := config.Suggest(unknown[0], configured); s != "" {
			msg += fmt.Sprintf(": did you mean %s?", s)
		}
	}
	known := slices.Clone(configured)
	sort.Strings(known)
	return fmt.Errorf("%s (configured: %s)", msg, strings.Join(known, ", "))
}

// checkWatch returns a usage error when name is neither a configured watch
// nor one the database has a history of (a watch since removed from the
// configuration still has its events and versions): a filter or argument
// naming no watch at all is a typo, not an empty history.
func (a *app) checkWatch(ctx context.Context, name string) error {
	if slices.Contains(a.watchNames(), name) {
		return nil
	}
	known, err := a.db.HasWatch(ctx, name)
	if err != nil || known {
		return err
	}
	return usageError{msg: unknownWatchError([]string{name}, a.watchNames()).Error()}
}

// isTerminal says whether w is a terminal (colours, progress bars).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
