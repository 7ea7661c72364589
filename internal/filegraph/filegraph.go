package filegraph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Graph is the file dependency graph of one package.
type Graph struct {
	// Path is the package's import path.
	Path string
	// Dir is the package's directory.
	Dir string
	// Files are the base names of the package's non-test Go files, sorted.
	Files []string

	// uses[from][to] is the set of identifiers declared in to that from uses.
	uses map[string]map[string]map[string]bool
}

// Cycles loads the package in dir and returns its file cycles: the strongly
// connected components of two or more files, each sorted, the list sorted
// by first file.
func Cycles(dir string) ([][]string, error) {
	g, err := Load(dir)
	if err != nil {
		return nil, err
	}
	return g.Cycles(), nil
}

// Load type-checks the non-test files of the package in dir and builds its
// file graph.
func Load(dir string) (*Graph, error) {
	pkgs, err := goList(dir)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(pkgs, func(p listedPackage) bool { return !p.DepOnly })
	if i < 0 {
		return nil, fmt.Errorf("filegraph: go list found no package in %s", dir)
	}
	target := pkgs[i]
	if target.Error != nil {
		return nil, fmt.Errorf("filegraph: %s: %s", dir, target.Error.Err)
	}
	export := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		if p.Error != nil && p.ImportPath != target.ImportPath {
			return nil, fmt.Errorf("filegraph: dependency %s: %s", p.ImportPath, p.Error.Err)
		}
		export[p.ImportPath] = p.Export
	}

	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range target.CompiledGoFiles {
		if !filepath.IsAbs(name) {
			name = filepath.Join(target.Dir, name)
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("filegraph: %w", err)
		}
		files = append(files, f)
	}

	lookup := func(path string) (io.ReadCloser, error) {
		if mapped, ok := target.ImportMap[path]; ok {
			path = mapped
		}
		file, ok := export[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	}
	conf := types.Config{
		Importer:  importer.ForCompiler(fset, "gc", lookup),
		GoVersion: goVersion(target),
	}
	info := &types.Info{Uses: make(map[*ast.Ident]types.Object)}
	pkg, err := conf.Check(target.ImportPath, fset, files, info)
	if err != nil {
		return nil, fmt.Errorf("filegraph: %w", err)
	}

	g := &Graph{
		Path: target.ImportPath,
		Dir:  target.Dir,
		uses: make(map[string]map[string]map[string]bool),
	}
	isFile := make(map[string]bool)
	for _, name := range slices.Concat(target.GoFiles, target.CgoFiles) {
		isFile[name] = true
		g.Files = append(g.Files, name)
	}
	sort.Strings(g.Files)

	names := memberNames(pkg)
	fileOf := func(pos token.Pos) string {
		// Position, not PositionFor(pos, false): the //line directives of cgo's
		// output lead back to the file the developer wrote.
		name := filepath.Base(fset.Position(pos).Filename)
		if !isFile[name] {
			return "" // cgo's own declarations (_cgo_gotypes.go)
		}
		return name
	}
	for id, obj := range info.Uses {
		name, ok := declared(pkg, obj, names)
		if !ok {
			continue
		}
		from, to := fileOf(id.Pos()), fileOf(obj.Pos())
		if from == "" || to == "" || from == to {
			continue
		}
		g.add(from, to, name)
	}
	return g, nil
}

// declared reports whether obj is declared at package level in pkg, as a
// package-level name or a method or field of a package-level type, and under
// which name to report it.
func declared(pkg *types.Package, obj types.Object, names map[types.Object]string) (string, bool) {
	if obj.Pkg() != pkg {
		return "", false
	}
	switch o := obj.(type) {
	case *types.Func:
		obj = o.Origin()
	case *types.Var:
		obj = o.Origin()
	}
	if obj.Parent() == pkg.Scope() {
		return obj.Name(), true
	}
	switch o := obj.(type) {
	case *types.Func:
		if name, ok := names[o]; ok {
			return name, true
		}
		if sig, ok := o.Type().(*types.Signature); ok && sig.Recv() != nil {
			return o.Name(), true
		}
	case *types.Var:
		if o.IsField() {
			if name, ok := names[o]; ok {
				return name, true
			}
			return o.Name(), true // field of a struct type without a name
		}
	}
	return "", false // local: parameter, type parameter, label, local variable
}

// memberNames names the methods, struct fields and interface methods of the
// package-level types of pkg as T.m.
func memberNames(pkg *types.Package) map[types.Object]string {
	names := make(map[types.Object]string)
	scope := pkg.Scope()
	for _, n := range scope.Names() {
		tn, ok := scope.Lookup(n).(*types.TypeName)
		if !ok {
			continue
		}
		if named, ok := tn.Type().(*types.Named); ok {
			for m := range named.Methods() {
				names[m] = n + "." + m.Name()
			}
		}
		switch u := tn.Type().Underlying().(type) {
		case *types.Struct:
			for f := range u.Fields() {
				names[f] = n + "." + f.Name()
			}
		case *types.Interface:
			for m := range u.ExplicitMethods() {
				names[m] = n + "." + m.Name()
			}
		}
	}
	return names
}

func (g *Graph) add(from, to, name string) {
	m := g.uses[from]
	if m == nil {
		m = make(map[string]map[string]bool)
		g.uses[from] = m
	}
	s := m[to]
	if s == nil {
		s = make(map[string]bool)
		m[to] = s
	}
	s[name] = true
}

// DependsOn returns the files that from depends on, sorted.
func (g *Graph) DependsOn(from string) []string {
	var out []string
	for to := range g.uses[from] {
		out = append(out, to)
	}
	sort.Strings(out)
	return out
}

// Uses returns the identifiers declared in to that from uses, sorted: the
// reasons from depends on to. Methods and fields read T.m.
func (g *Graph) Uses(from, to string) []string {
	var out []string
	for name := range g.uses[from][to] {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Cycles returns the strongly connected components of two or more files,
// each sorted, the list sorted by first file.
func (g *Graph) Cycles() [][]string {
	// Tarjan's algorithm.
	index := make(map[string]int)
	low := make(map[string]int)
	onStack := make(map[string]bool)
	var stack []string
	var out [][]string
	var visit func(v string)
	visit = func(v string) {
		index[v] = len(index)
		low[v] = index[v]
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range g.DependsOn(v) {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var scc []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			scc = append(scc, w)
			if w == v {
				break
			}
		}
		if len(scc) > 1 {
			sort.Strings(scc)
			out = append(out, scc)
		}
	}
	for _, f := range g.Files {
		if _, seen := index[f]; !seen {
			visit(f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Describe writes one cycle for a reader: its files, then each edge between
// two of them with the identifiers that make it.
func (g *Graph) Describe(w io.Writer, cycle []string) {
	fmt.Fprintf(w, "cycle: %s\n", strings.Join(cycle, " "))
	in := make(map[string]bool, len(cycle))
	for _, f := range cycle {
		in[f] = true
	}
	for _, from := range cycle {
		for _, to := range g.DependsOn(from) {
			if in[to] {
				fmt.Fprintf(w, "\t%s -> %s: %s\n", from, to, strings.Join(g.Uses(from, to), ", "))
			}
		}
	}
}

type listedPackage struct {
	Dir             string
	ImportPath      string
	Export          string
	GoFiles         []string
	CgoFiles        []string
	CompiledGoFiles []string
	ImportMap       map[string]string
	DepOnly         bool
	Module          *struct{ GoVersion string }
	Error           *struct{ Err string }
}

// goList runs go list in dir for the package there and its dependencies,
// with export data and cgo's output.
func goList(dir string) ([]listedPackage, error) {
	cmd := exec.Command("go", "list", "-e", "-deps", "-export", "-compiled",
		"-json=Dir,ImportPath,Export,GoFiles,CgoFiles,CompiledGoFiles,ImportMap,DepOnly,Module,Error", ".")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("filegraph: go list in %s: %v: %s", dir, err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(&stdout)
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("filegraph: go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

func goVersion(p listedPackage) string {
	if p.Module == nil || p.Module.GoVersion == "" {
		return ""
	}
	return "go" + p.Module.GoVersion
}
