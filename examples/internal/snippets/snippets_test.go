package snippets_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/examples/internal/snippets"
	"github.com/zmqactor/zmqactor/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite README.md's snippets from their functions")

// root is the repository's root, from this package's directory.
const root = "../../.."

func TestMain(m *testing.M) {
	testutil.VerifyNoLeaks(m)
}

// readme returns README.md and its snippets.
func readme(t *testing.T) ([]byte, []snippets.Snippet) {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	found, err := snippets.Parse(text, root)
	if err != nil {
		t.Fatal(err)
	}
	return text, found
}

// TestReadmeSnippets: every Go block of README.md is a snippet, the
// function it names as that function is in its file; with -update the
// blocks are rewritten from the functions.
func TestReadmeSnippets(t *testing.T) {
	text, found := readme(t)
	if blocks := strings.Count(string(text), "```go\n"); blocks != len(found) || blocks == 0 {
		t.Fatalf("README.md has %d Go blocks and %d snippets: every Go block needs a marker <!-- snippet: FILE FUNC -->", blocks, len(found))
	}
	updated := snippets.Update(text, found)
	if string(updated) == string(text) {
		return
	}
	if *update {
		if err := os.WriteFile(filepath.Join(root, "README.md"), updated, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, s := range found {
		if s.Code != s.Source {
			t.Errorf("README.md's snippet %s differs from %s in %s", s.Func, s.Func, s.File)
		}
	}
	t.Fatal("run go test ./examples/internal/snippets -update to copy the functions into README.md")
}

// fromGoMod returns the first submatch of re in go.mod.
func fromGoMod(t *testing.T, re string) string {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(re).FindSubmatch(mod)
	if m == nil {
		t.Fatalf("go.mod has no match for %s", re)
	}
	return string(m[1])
}

// protoactorVersion returns the version of protoactor-go that go.mod
// requires.
func protoactorVersion(t *testing.T) string {
	t.Helper()
	return fromGoMod(t, `(?m)^\s*github\.com/asynkron/protoactor-go (\S+)`)
}

// TestReadmeInstall: README.md's install lines pin the protoactor-go
// version of go.mod.
func TestReadmeInstall(t *testing.T) {
	text, _ := readme(t)
	want := protoactorVersion(t)
	lines := regexp.MustCompile(`go get github\.com/asynkron/protoactor-go@(\S+)`).FindAllSubmatch(text, -1)
	if len(lines) == 0 {
		t.Fatal("README.md has no line go get github.com/asynkron/protoactor-go@VERSION")
	}
	for _, l := range lines {
		if string(l[1]) != want {
			t.Errorf("README.md pins protoactor-go %s, go.mod requires %s", l[1], want)
		}
	}
	if !strings.Contains(string(text), "go get github.com/zmqactor/zmqactor") {
		t.Error("README.md does not say how to go get zmqactor")
	}
}

// TestReadmeProgram builds README.md's snippets into a program in a module
// of its own, outside this one, which requires zmqactor (replaced by this
// checkout) and the protoactor-go of the README's install line, runs it,
// and checks that each snippet prints what its Example says.
func TestReadmeProgram(t *testing.T) {
	_, found := readme(t)
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := "module readmeprogram\n\ngo " + fromGoMod(t, `(?m)^go (\S+)`) + "\n\nrequire (\n" +
		"\tgithub.com/zmqactor/zmqactor v0.0.0\n" +
		"\tgithub.com/asynkron/protoactor-go " + protoactorVersion(t) + "\n)\n\n" +
		"replace github.com/zmqactor/zmqactor => " + abs + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(snippets.Program(found)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", "readme", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of README.md's snippets: %v\n%s", err, out)
	}
	run := exec.CommandContext(ctx, filepath.Join(dir, "readme"))
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("README.md's program: %v\n%s", err, out)
	}
	got := map[string]string{}
	var name string
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if n, ok := strings.CutPrefix(line, "== "); ok {
			name = strings.TrimSpace(n)
			continue
		}
		got[name] += line
	}
	for _, s := range found {
		want, err := snippets.Output(s, root)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(got[s.Func]) != strings.TrimSpace(want) {
			t.Errorf("%s printed\n%s\nits Example wants\n%s", s.Func, got[s.Func], want)
		}
	}
}
