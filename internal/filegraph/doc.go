// Package filegraph finds dependency cycles between the files of one Go
// package.
//
// # What depends means
//
// In one package, file A depends on file B when A uses an identifier that B
// declares at package level: a type, function, variable or constant, or a
// method, struct field or interface method declared on one of the
// package's types. A use is what go/types resolves an identifier to, so a
// selector x.m in A whose m is the method m declared in B with receiver T
// makes A depend on B, and so does x.f when the field f is declared in B's
// type declaration (also when reached through an embedded field or an
// instantiation of a generic type). Declaring a method in A on a type of
// B makes A depend on B (A names the type in the receiver), not the
// reverse. Local names (parameters, locals, type parameters, labels) and
// other packages' names do not count, nor does satisfying an interface.
//
// Test files (_test.go) are not in the graph, nor are files that build
// constraints leave out for the current GOOS, GOARCH and tags.
//
// A cycle is a strongly connected component of two or more files: each of
// its files depends, directly or through the others, on each other one.
// [Graph.Describe] prints, for each edge between two files of a cycle, the
// identifiers that make it, so the reader sees what to move.
//
// # How it loads a package
//
// It runs `go list -deps -export -compiled` once in the package's
// directory, parses the package's compiled Go files with go/parser, and
// type-checks them with go/types, importing every dependency from the
// export data the go command built (importer.ForCompiler "gc" with a
// lookup into go list's Export paths). Only the standard library and the
// go command are used; no module is added:
//
//   - importer.Default alone finds export data only for the standard
//     library, not for modules such as github.com/pebbe/zmq4 or protoactor;
//     go list -export gives their paths, in module mode, from the build
//     cache, and the gc export data of a cgo package is that of the
//     compiled package, so cgo dependencies import like any other.
//   - The "source" importer type-checks every dependency from source,
//     which is slow and needs cgo's processing for cgo packages.
//   - For a package that itself uses cgo (sockets), -compiled gives the
//     files cgo wrote, in which C.x is an ordinary Go name, so the whole
//     package type-checks with full types; types.Config.FakeImportC would
//     instead leave every C expression untyped. cgo's //line directives
//     bring each position back to the file the developer wrote, so uses
//     count from that file, and cgo's own declarations (_cgo_gotypes.go)
//     are not in the graph.
//
// golang.org/x/tools/go/packages does the same through the same go list
// call; it is not needed for one package at a time.
//
// # Running it
//
// The test TestNoFileCycles checks the module's packages; its table says
// which ones fail on a cycle and which only log theirs:
//
//	go test -run TestNoFileCycles -v ./internal/filegraph
//
// The command prints the cycles of package directories, and exits 1 when
// there is one:
//
//	go run ./internal/filegraph/cmd/filecycles ./actors ./sockets ./supervision
package filegraph
