package archive_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
)

// gitRepo is a real git repository built commit by commit.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not on the PATH")
	}
	g := &gitRepo{t: t, dir: t.TempDir()}
	g.git("", "init", "--quiet", "--initial-branch=main")
	return g
}

// git runs git in the repository; date, when set, is both the author and
// the committer date.
func (g *gitRepo) git(date string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", g.dir, "-c", "user.name=Archive", "-c", "user.email=archive@example.org", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = append(cmd.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if date != "" {
		// The author date is a day off: the import must read the commit
		// (committer) date, as archives record the fetch there.
		author, err := time.Parse(time.RFC3339, date)
		if err != nil {
			g.t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "GIT_COMMITTER_DATE="+date, "GIT_AUTHOR_DATE="+author.Add(-24*time.Hour).Format(time.RFC3339))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// commit writes the files and commits them at date.
func (g *gitRepo) commit(date, msg string, files map[string]string) {
	g.t.Helper()
	for name, content := range files {
		writeFile(g.t, g.dir, name, []byte(content))
		g.git("", "add", "--", name)
	}
	g.git(date, "commit", "--quiet", "--allow-empty", "-m", msg)
}

func markdownPolicy(version string, extra ...string) string {
	return "# Privacy Policy\n\nVersion " + version + ".\n\n" + strings.Join(append(policyParagraphs[:len(policyParagraphs):len(policyParagraphs)], extra...), "\n\n") + "\n"
}

// TestImportGit builds a small archive repository in the Open Terms
// Archive layout (one file per document, one commit per recorded version)
// and imports one document through its history: renames are followed,
// other documents and deletions are left out, and each event is dated at
// its commit's date.
func TestImportGit(t *testing.T) {
	g := newGitRepo(t)
	const oldName, newName = "Example/Privacy Policy.md", "Example/Privacy Notice.md"
	g.commit("2024-01-10T09:00:00Z", "Record Example Privacy Policy", map[string]string{oldName: markdownPolicy("1")})
	g.commit("2024-01-11T09:00:00Z", "Record Example Terms", map[string]string{"Example/Terms of Service.md": "# Terms\n\nOther document."})
	g.commit("2024-02-01T10:30:00+02:00", "Update Example Privacy Policy", map[string]string{oldName: markdownPolicy("2", "We use public posts to train our artificial intelligence models.")})
	g.git("", "mv", oldName, newName)
	g.commit("2024-03-01T00:00:00Z", "Rename Example Privacy Policy", map[string]string{newName: markdownPolicy("2", "We use public posts to train our artificial intelligence models.", "You can object to this use until 30 June 2024.")})
	g.commit("2024-04-01T00:00:00Z", "Update Example Privacy Notice", map[string]string{newName: markdownPolicy("1")})

	src, err := archive.OpenGit(context.Background(), g.dir, newName)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var listed []string
	for _, s := range src.Snapshots {
		_, path, _ := strings.Cut(s.Name, ":")
		listed = append(listed, s.Time.Format(time.RFC3339)+" "+path+" "+s.Format.String())
	}
	want := []string{
		"2024-01-10T09:00:00Z Example/Privacy Policy.md markdown",
		"2024-02-01T08:30:00Z Example/Privacy Policy.md markdown",
		"2024-03-01T00:00:00Z Example/Privacy Notice.md markdown",
		"2024-04-01T00:00:00Z Example/Privacy Notice.md markdown",
	}
	if fmt.Sprint(listed) != fmt.Sprint(want) {
		t.Fatalf("snapshots:\n got %q\nwant %q", listed, want)
	}
	data, err := src.Snapshots[1].Read(context.Background(), 1<<20)
	if err != nil || !strings.Contains(string(data), "Version 2.") {
		t.Fatalf("second version: %q, %v", data, err)
	}

	r := newRig(t)
	res := r.importSource(t, testWatch, src)
	if res.Imported != 4 {
		t.Errorf("imported %d, want 4", res.Imported)
	}
	var got []string
	for _, e := range r.events(t, testWatch.Name) {
		got = append(got, fmt.Sprintf("%s %s imported=%t", e.Time.Format(time.RFC3339), e.Kind, e.Imported))
	}
	wantEvents := []string{
		"2024-01-10T09:00:00Z baseline imported=true",
		"2024-02-01T08:30:00Z change imported=true",
		"2024-03-01T00:00:00Z change imported=true",
		"2024-04-01T00:00:00Z revert imported=true",
	}
	if fmt.Sprint(got) != fmt.Sprint(wantEvents) {
		t.Errorf("events:\n got %q\nwant %q", got, wantEvents)
	}
	if again := r.importSource(t, testWatch, src); again.Imported != 0 || again.Skipped != 4 {
		t.Errorf("second import: imported %d, skipped %d", again.Imported, again.Skipped)
	}

	// A deletion ends the file's history without a snapshot.
	g.git("2024-05-01T00:00:00Z", "rm", "--quiet", "--", newName)
	g.git("2024-05-01T00:00:00Z", "commit", "--quiet", "-m", "Remove")
	src2, err := archive.OpenGit(context.Background(), g.dir, newName)
	if err != nil {
		t.Fatal(err)
	}
	defer src2.Close()
	if len(src2.Snapshots) != 4 {
		t.Errorf("%d snapshots after the deletion, want 4", len(src2.Snapshots))
	}
}

// TestImportGitHTML reads HTML snapshots (an archive's "snapshots"
// repository) with the watch's selector applied.
func TestImportGitHTML(t *testing.T) {
	g := newGitRepo(t)
	g.commit("2025-01-01T00:00:00Z", "1", map[string]string{"Example/Privacy Policy.html": string(policyPage("1", 1))})
	g.commit("2025-01-02T00:00:00Z", "2", map[string]string{"Example/Privacy Policy.html": string(policyPage("1", 2))})
	g.commit("2025-01-03T00:00:00Z", "3", map[string]string{"Example/Privacy Policy.html": string(policyPage("2", 3))})
	src, err := archive.OpenGit(context.Background(), g.dir, "Example/Privacy Policy.html")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r := newRig(t)
	r.importSource(t, testWatch, src)
	if got := fmt.Sprint(kinds(r.events(t, testWatch.Name))); got != fmt.Sprint([]monitor.EventKind{monitor.KindBaseline, monitor.KindChange}) {
		t.Errorf("events %s, want a baseline and one change", got)
	}
}

func TestOpenGitErrors(t *testing.T) {
	g := newGitRepo(t)
	g.commit("2025-01-01T00:00:00Z", "1", map[string]string{"a.md": "# A"})
	if _, err := archive.OpenGit(context.Background(), g.dir, "missing.md"); err == nil || !strings.Contains(err.Error(), "no commit records missing.md") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := archive.OpenGit(context.Background(), t.TempDir(), "a.md"); err == nil || !strings.Contains(err.Error(), "git log") {
		t.Errorf("not a repository: %v", err)
	}
	if _, err := archive.OpenGit(context.Background(), g.dir, ""); err == nil {
		t.Error("no file named: no error")
	}
	src, err := archive.OpenGit(context.Background(), g.dir, "a.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Snapshots[0].Read(context.Background(), 2); err == nil || !strings.Contains(err.Error(), "snapshot too large") {
		t.Errorf("read over the limit: %v", err)
	}
	// The stream stays in step after a refused read.
	if data, err := src.Snapshots[0].Read(context.Background(), 100); err != nil || string(data) != "# A" {
		t.Errorf("read after a refused one: %q, %v", data, err)
	}
	if err := src.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if _, err := src.Snapshots[0].Read(context.Background(), 100); err == nil {
		t.Error("read after close: no error")
	}
}
