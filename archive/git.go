package archive

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// OpenGit lists the recorded versions of one file in a git repository, in
// the layout public policy archives use (Open Terms Archive "versions" and
// "snapshots" repositories): one file per document, one commit per
// recorded version, the commit date as the fetch date. The file is
// followed through renames; commits that delete it are left out.
//
// It runs the git command on the PATH: git log once to list the commits,
// then one git cat-file process that reads each version when it is
// imported.
func OpenGit(ctx context.Context, repo, file string) (*Source, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("open git repository %s: importing from git needs the git command on the PATH: %w", repo, err)
	}
	file = strings.TrimPrefix(file, "/")
	if file == "" {
		return nil, fmt.Errorf("open git repository %s: name the file to read through its history", repo)
	}
	// %x1e separates commits; -z separates the fields of --name-status
	// with NULs, so that no file name needs quoting or unquoting.
	cmd := gitCommand(ctx, repo, "log", "--follow", "--format=%x1e%H %cI", "--name-status", "-z", "--", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: git log: %w: %s", repo, err, shorten(strings.TrimSpace(stderr.String()), 500))
	}
	commits, err := parseGitLog(out)
	if err != nil {
		return nil, fmt.Errorf("open git repository %s: %w", repo, err)
	}
	if len(commits) == 0 {
		return nil, fmt.Errorf("open git repository %s: no commit records %s", repo, file)
	}
	// git log lists the newest first. Oldest first, the sort by time below
	// keeps commits of the same second (git's resolution: a change and its
	// revert can be that close) in the order they were made.
	slices.Reverse(commits)
	reader := &blobReader{repo: repo}
	src := &Source{Location: repo + ":" + file, close: reader.close}
	for _, c := range commits {
		format, ok := formatOf(c.path)
		if !ok {
			src.Ignored = append(src.Ignored, c.hash+":"+c.path)
			continue
		}
		object := c.hash + ":" + c.path
		src.Snapshots = append(src.Snapshots, Snapshot{
			Time: c.time, Name: object, Format: format,
			read: func(ctx context.Context, limit int64) ([]byte, error) { return reader.read(ctx, object, limit) },
		})
	}
	if len(src.Snapshots) == 0 {
		return nil, fmt.Errorf("open git repository %s: %s is neither HTML nor Markdown in any commit", repo, file)
	}
	sortSnapshots(src.Snapshots)
	return src, nil
}

// gitCommand runs git in repo, without the user's pager or terminal
// prompts, and with file names printed as they are.
func gitCommand(ctx context.Context, repo string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo, "-c", "core.quotePath=false"}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "LC_ALL=C")
	return cmd
}

// gitCommit is one commit that recorded the file.
type gitCommit struct {
	hash string
	time time.Time
	path string // the file's name in that commit
}

// parseGitLog reads `git log --format=%x1e%H %cI --name-status -z`:
// for each commit "\x1eHASH DATE\x00\nSTATUS\x00PATH\x00[NEWPATH\x00]".
func parseGitLog(out []byte) ([]gitCommit, error) {
	var commits []gitCommit
	for _, rec := range bytes.Split(out, []byte{0x1e}) {
		if len(bytes.TrimSpace(rec)) == 0 {
			continue
		}
		head, rest, _ := bytes.Cut(rec, []byte{0})
		hash, date, ok := strings.Cut(string(head), " ")
		if !ok {
			return nil, fmt.Errorf("git log: unexpected line %q", shorten(string(head), 100))
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(date))
		if err != nil {
			return nil, fmt.Errorf("git log: commit %s: date %q: %w", hash, date, err)
		}
		fields := strings.Split(strings.TrimLeft(string(rest), "\n"), "\x00")
		if len(fields) < 2 || fields[0] == "" {
			continue // a merge, or a commit that did not touch the file
		}
		status := fields[0]
		if strings.HasPrefix(status, "D") {
			continue // the file was deleted: no version to read
		}
		p := fields[1]
		if (strings.HasPrefix(status, "R") || strings.HasPrefix(status, "C")) && len(fields) > 2 {
			p = fields[2] // renamed or copied: the new name
		}
		commits = append(commits, gitCommit{hash: hash, time: t.UTC(), path: p})
	}
	return commits, nil
}

// blobReader reads objects with one long-running `git cat-file --batch`,
// started on first use: one process for a whole history instead of one
// `git show` per version.
type blobReader struct {
	repo string

	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	err    error // the process could not start or broke: every read fails
}

func (b *blobReader) start() error {
	// Not CommandContext: the process outlives the context of any one
	// read; close ends it.
	cmd := gitCommand(context.Background(), b.repo, "cat-file", "--batch")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start git cat-file: %w", err)
	}
	b.cmd, b.stdin, b.stdout = cmd, stdin, bufio.NewReaderSize(stdout, 64<<10)
	return nil
}

// read returns the object's content, at most limit bytes.
func (b *blobReader) read(ctx context.Context, object string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.ContainsAny(object, "\n\x00") {
		return nil, fmt.Errorf("git object name %q: contains a line break", object)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return nil, b.err
	}
	if b.cmd == nil {
		if err := b.start(); err != nil {
			b.err = err
			return nil, err
		}
	}
	data, broken, err := b.request(object, limit)
	if broken {
		b.err = fmt.Errorf("git cat-file: %w", err) // the stream is out of step: stop
		return nil, b.err
	}
	return data, err
}

// request asks cat-file for one object. broken says the answer could not
// be read whole, so the stream is out of step and no further request can
// be trusted.
func (b *blobReader) request(object string, limit int64) (data []byte, broken bool, err error) {
	if _, err := io.WriteString(b.stdin, object+"\n"); err != nil {
		return nil, true, err
	}
	header, err := b.stdout.ReadString('\n')
	if err != nil {
		return nil, true, err
	}
	// "<oid> <type> <size>\n", or "<object> missing\n".
	fields := strings.Fields(header)
	if len(fields) == 2 && fields[1] == "missing" {
		return nil, false, fmt.Errorf("%s: no such file in that commit", object)
	}
	if len(fields) != 3 {
		return nil, true, fmt.Errorf("unexpected answer %q", shorten(header, 100))
	}
	size, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil || size < 0 {
		return nil, true, fmt.Errorf("unexpected answer %q", shorten(header, 100))
	}
	if size > limit || fields[1] != "blob" {
		// Skip the content to keep the stream in step.
		if _, err := io.CopyN(io.Discard, b.stdout, size+1); err != nil {
			return nil, true, err
		}
		if fields[1] != "blob" {
			return nil, false, fmt.Errorf("%s is a %s, not a file", object, fields[1])
		}
		return nil, false, fmt.Errorf("%s: %d bytes: %w (limit %d)", object, size, ErrTooLarge, limit)
	}
	data = make([]byte, size+1) // the content, then "\n"
	if _, err := io.ReadFull(b.stdout, data); err != nil {
		return nil, true, err
	}
	return data[:size], false, nil
}

func (b *blobReader) close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return nil
	}
	b.stdin.Close() // cat-file exits at the end of its input
	err := b.cmd.Wait()
	b.cmd = nil
	b.err = errors.New("git source closed")
	return err
}
