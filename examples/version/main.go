// Version is the zguide's version report (version): it prints the version
// of the libzmq library it runs with,
//
//	Current ØMQ version is 4.3.4
//
// as zmq_version(3) reports it at run time (sockets.LibzmqVersion), then
// the versions of the Go modules that make up the program, from its build
// information:
//
//	zmqactor (devel)
//	github.com/pebbe/zmq4 v1.4.0
//	github.com/asynkron/protoactor-go v0.0.0-...
//
// zmqactor has no version number of its own beside its module's: built
// inside its repository (go run, go build), the module is "(devel)" or a
// version Go derives from the repository's state; as a dependency of
// another program, it is the version that program requires. A module the
// build information lacks is printed as "unknown".
//
// It opens no socket and exits 0.
package main

import (
	"flag"
	"fmt"
	"runtime/debug"

	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// The modules whose version the program prints after libzmq's: zmqactor
// itself, then the two it is built on.
const (
	module      = "github.com/zmqactor/zmqactor"
	zmq4Module  = "github.com/pebbe/zmq4"
	actorModule = "github.com/asynkron/protoactor-go"
)

func main() {
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "version: no arguments")

	major, minor, patch := sockets.LibzmqVersion()
	fmt.Printf("Current ØMQ version is %d.%d.%d\n", major, minor, patch)

	versions := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		versions[info.Main.Path] = info.Main.Version
		for _, dep := range info.Deps {
			v := dep.Version
			if dep.Replace != nil {
				v = dep.Replace.Version // empty for a local directory
			}
			versions[dep.Path] = v
		}
	}
	for _, m := range []string{module, zmq4Module, actorModule} {
		v := versions[m]
		if v == "" {
			v = "unknown"
		}
		name := m
		if m == module {
			name = "zmqactor"
		}
		fmt.Println(name, v)
	}
}
