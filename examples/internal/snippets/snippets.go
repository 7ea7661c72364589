// Package snippets keeps README.md's Go code compiled: each Go block of the
// README is a function of an example test file, copied as it is there, and
// named by a marker line just above the block:
//
//	<!-- snippet: actors/example_readme_test.go quickStart -->
//	```go
//	func quickStart() error {
//	...
//
// Update rewrites the blocks from the functions; Program turns them into a
// program of its own, with the main that calls each; Outputs finds, for
// each, the "// Output:" of the Example that runs it. The package's test
// does all three, builds the program outside this module and runs it.
package snippets

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ErrSnippet: a marker names no function, or its code block is missing.
var ErrSnippet = errors.New("snippets: bad README snippet")

// Snippet is one Go block of the README and the function it shows.
type Snippet struct {
	File string // relative to the repository's root
	Func string
	// Code is the block's text; Source the function's, as the file has it.
	Code, Source string
	// Params is the number of the function's parameters: 0 for func()
	// error, 2 for func(context.Context, *actors.Runtime) error.
	Params int
	// Imports are the paths and names of the packages the function uses.
	Imports map[string]string
	// start and end are the offsets of Code in the README.
	start, end int
}

// marker finds "<!-- snippet: FILE FUNC -->", then the Go block after it.
var marker = regexp.MustCompile("(?m)^<!-- snippet: (\\S+) (\\w+) -->\n```go\n")

// Parse finds the snippets of readme and reads their functions from the
// files under root.
func Parse(readme []byte, root string) ([]Snippet, error) {
	var out []Snippet
	for _, m := range marker.FindAllSubmatchIndex(readme, -1) {
		s := Snippet{File: string(readme[m[2]:m[3]]), Func: string(readme[m[4]:m[5]]), start: m[1]}
		// The block ends at the first line "```" after its first line.
		n := bytes.Index(readme[s.start-1:], []byte("\n```\n"))
		if n < 0 {
			return nil, fmt.Errorf("%w: the block of %s is not closed", ErrSnippet, s.Func)
		}
		s.end = s.start + n
		s.Code = string(readme[s.start:s.end])
		if err := s.read(root); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// read fills in the function's source, parameters and imports.
func (s *Snippet) read(root string) error {
	src, err := os.ReadFile(filepath.Join(root, s.File))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSnippet, err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, s.File, src, 0)
	if err != nil {
		return err
	}
	names := map[string]string{} // local name -> path
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := path.Base(p)
		if im.Name != nil {
			name = im.Name.Name
		}
		names[name] = p
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != s.Func {
			continue
		}
		s.Source = string(src[fset.Position(fn.Pos()).Offset:fset.Position(fn.End()).Offset]) + "\n"
		s.Params = fn.Type.Params.NumFields()
		s.Imports = map[string]string{}
		ast.Inspect(fn, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && names[id.Name] != "" {
					s.Imports[names[id.Name]] = id.Name
				}
			}
			return true
		})
		return nil
	}
	return fmt.Errorf("%w: %s declares no func %s", ErrSnippet, s.File, s.Func)
}

// Update returns readme with every snippet's block replaced by its
// function's source.
func Update(readme []byte, snippets []Snippet) []byte {
	var b bytes.Buffer
	at := 0
	for _, s := range snippets {
		b.Write(readme[at:s.start])
		b.WriteString(s.Source)
		at = s.end
	}
	b.Write(readme[at:])
	return b.Bytes()
}

// Program returns the main.go of a program that runs every snippet in
// order, each after a line "== NAME", on an actor system of its own for
// those that take a ZeroMQ context, and exits 1 at the first error.
func Program(snippets []Snippet) string {
	imports := map[string]string{
		"context": "context", "fmt": "fmt", "os": "os", "time": "time",
		"github.com/asynkron/protoactor-go/actor": "actor", "github.com/zmqactor/zmqactor/actors": "actors",
	}
	for _, s := range snippets {
		for p, name := range s.Imports {
			imports[p] = name
		}
	}
	var b strings.Builder
	b.WriteString("// Code generated from README.md's snippets; DO NOT EDIT.\n\npackage main\n\nimport (\n")
	for _, p := range slices.Sorted(maps.Keys(imports)) {
		if name := imports[p]; name != path.Base(p) {
			fmt.Fprintf(&b, "\t%s %q\n", name, p)
		} else {
			fmt.Fprintf(&b, "\t%q\n", p)
		}
	}
	b.WriteString(")\n\n")
	for _, s := range snippets {
		b.WriteString(s.Source + "\n")
	}
	b.WriteString(`// withRuntime runs f on an actor system of its own.
func withRuntime(f func(context.Context, *actors.Runtime) error) error {
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	defer system.Shutdown()
	z, err := actors.NewRuntime(system)
	if err != nil {
		return err
	}
	defer z.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return f(ctx, z)
}

func main() {
	for _, step := range []struct {
		name string
		run  func() error
	}{
`)
	for _, s := range snippets {
		if s.Params == 0 {
			fmt.Fprintf(&b, "\t\t{%q, %s},\n", s.Func, s.Func)
		} else {
			fmt.Fprintf(&b, "\t\t{%q, func() error { return withRuntime(%s) }},\n", s.Func, s.Func)
		}
	}
	b.WriteString(`	} {
		fmt.Println("==", step.name)
		if err := step.run(); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	}
}
`)
	return b.String()
}

// Output returns the "// Output:" of the Example, among the test files of
// s's directory, that names s's function: what running it prints.
func Output(s Snippet, root string) (string, error) {
	dir := filepath.Join(root, filepath.Dir(s.File))
	fset := token.NewFileSet()
	matches, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return "", err
	}
	var files []*ast.File
	for _, m := range matches {
		f, err := parser.ParseFile(fset, m, nil, parser.ParseComments)
		if err != nil {
			return "", err
		}
		files = append(files, f)
	}
	for _, ex := range doc.Examples(files...) {
		uses := false
		ast.Inspect(ex.Code, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == s.Func {
				uses = true
			}
			return !uses
		})
		if uses && ex.Output != "" {
			return ex.Output, nil
		}
	}
	return "", fmt.Errorf("%w: no Example in %s runs %s and checks its output", ErrSnippet, dir, s.Func)
}
