// Command filecycles prints the file dependency cycles of Go packages, and
// for each edge of a cycle the identifiers that make it.
//
//	go run ./internal/filegraph/cmd/filecycles ./actors ./sockets
//
// It exits 1 when a package has a cycle.
package main

import (
	"fmt"
	"os"

	"github.com/zmqactor/zmqactor/internal/filegraph"
)

func main() {
	code := 0
	for _, dir := range os.Args[1:] {
		g, err := filegraph.Load(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		cycles := g.Cycles()
		fmt.Printf("%s: %d files, %d cycles\n", g.Path, len(g.Files), len(cycles))
		for _, c := range cycles {
			g.Describe(os.Stdout, c)
			code = 1
		}
	}
	os.Exit(code)
}
