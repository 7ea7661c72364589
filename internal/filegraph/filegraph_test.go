package filegraph_test

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/zmqactor/zmqactor/internal/filegraph"
)

// checked lists the packages of the module TestNoFileCycles looks at, and
// whether a cycle in one fails the test (enforced) or is only logged. To
// enforce a package once its cycles are gone, set its enforced to true.
var checked = []struct {
	dir      string
	enforced bool
}{
	{"actors", true},
	{"sockets", false}, // has cycles: the Socket's loop, send path and monitor; keys/zmqraw/errors/cert; options/security
	{"supervision", true},
}

func TestNoFileCycles(t *testing.T) {
	for _, c := range checked {
		t.Run(c.dir, func(t *testing.T) {
			t.Parallel()
			g, err := filegraph.Load(filepath.Join("..", "..", c.dir))
			if err != nil {
				t.Fatal(err)
			}
			report := t.Logf
			if c.enforced {
				report = t.Errorf
			}
			for _, cycle := range g.Cycles() {
				var b strings.Builder
				g.Describe(&b, cycle)
				report("%s: files depend on each other:\n%s", g.Path, b.String())
			}
		})
	}
}

// TestCoreNamesNoRole: the socket actor's core (actors/core.go) reaches
// its roles only through the role interface, so it uses nothing declared
// in a role's file.
func TestCoreNamesNoRole(t *testing.T) {
	g, err := filegraph.Load(filepath.Join("..", "..", "actors"))
	if err != nil {
		t.Fatal(err)
	}
	roles := []string{"owner.go", "subscriber.go", "xpub.go", "client.go", "server.go", "monitor.go", "zap.go"}
	for _, r := range roles {
		if !slices.Contains(g.Files, r) {
			t.Errorf("actors/%s, a role's file, is gone: update this test", r)
		}
		if uses := g.Uses("core.go", r); len(uses) > 0 {
			t.Errorf("core.go uses %v of %s: the core names no role", uses, r)
		}
	}
}

func load(t *testing.T, fixture string) *filegraph.Graph {
	t.Helper()
	g, err := filegraph.Load(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestFixtures(t *testing.T) {
	type edge struct {
		from, to string
		uses     []string
	}
	tests := []struct {
		fixture string
		files   []string
		cycles  [][]string
		edges   []edge
	}{{
		fixture: "cycle",
		files:   []string{"a.go", "b.go", "c.go"},
		cycles:  [][]string{{"a.go", "b.go"}},
		edges: []edge{
			{"a.go", "b.go", []string{"T.M"}},
			{"b.go", "a.go", []string{"T"}},
			{"c.go", "a.go", []string{"F", "T"}},
			{"a.go", "c.go", nil},
		},
	}, {
		fixture: "dag",
		files:   []string{"a.go", "b.go", "c.go"},
		edges: []edge{
			{"a.go", "b.go", []string{"B"}},
			{"b.go", "c.go", []string{"c"}},
			{"c.go", "a.go", nil},
		},
	}, {
		fixture: "field",
		files:   []string{"a.go", "b.go", "c.go"},
		cycles:  [][]string{{"a.go", "b.go", "c.go"}},
		edges: []edge{
			{"a.go", "b.go", []string{"get"}},
			{"b.go", "a.go", []string{"S.f"}},
			{"b.go", "c.go", []string{"v"}},
			{"c.go", "a.go", []string{"S"}},
		},
	}, {
		fixture: "generic",
		files:   []string{"a.go", "b.go", "c.go"},
		edges: []edge{
			{"a.go", "b.go", []string{"List", "List.items"}},
			{"a.go", "c.go", []string{"List.Push"}},
			{"c.go", "b.go", []string{"List", "List.items"}},
			{"b.go", "c.go", nil}, // a type's file does not use its methods
		},
	}, {
		fixture: "cgo",
		files:   []string{"a.go", "b.go"},
		cycles:  [][]string{{"a.go", "b.go"}},
		edges: []edge{
			{"a.go", "b.go", []string{"B"}},
			{"b.go", "a.go", []string{"half"}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			g := load(t, tt.fixture)
			if !reflect.DeepEqual(g.Files, tt.files) {
				t.Errorf("Files = %q, want %q", g.Files, tt.files)
			}
			if got := g.Cycles(); !reflect.DeepEqual(got, tt.cycles) {
				t.Errorf("Cycles() = %q, want %q", got, tt.cycles)
			}
			for _, e := range tt.edges {
				if got := g.Uses(e.from, e.to); !reflect.DeepEqual(got, e.uses) {
					t.Errorf("Uses(%s, %s) = %q, want %q", e.from, e.to, got, e.uses)
				}
			}
		})
	}
}

func TestCycles(t *testing.T) {
	got, err := filegraph.Cycles(filepath.Join("testdata", "cycle"))
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"a.go", "b.go"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Cycles = %q, want %q", got, want)
	}
}

func TestDescribe(t *testing.T) {
	g := load(t, "cycle")
	var b strings.Builder
	g.Describe(&b, g.Cycles()[0])
	want := "cycle: a.go b.go\n\ta.go -> b.go: T.M\n\tb.go -> a.go: T\n"
	if b.String() != want {
		t.Errorf("Describe wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestLoadError(t *testing.T) {
	if _, err := filegraph.Load(filepath.Join("testdata", "missing")); err == nil {
		t.Error("Load of a missing directory: no error")
	}
}
