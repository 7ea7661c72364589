// Package queue is the broker of rrbroker and msgqueue: the zguide writes
// it once as a poll loop and once with zmq_proxy, and as actors both are
// the same actors.Proxy, so the two programs run this one function.
package queue

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxFrame is the largest frame either socket takes.
const maxFrame = 64 << 10

// Main is the program name: a ROUTER frontend for clients (-frontend,
// tcp://*:5559) and a DEALER backend for workers (-backend, tcp://*:5560)
// joined by a proxy, until SIGINT or SIGTERM.
func Main(name string) {
	frontend := flag.String("frontend", "tcp://*:5559", "endpoint the clients connect to")
	backend := flag.String("backend", "tcp://*:5560", "endpoint the workers connect to")
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, name+": no arguments")

	p := cli.Start(name)
	defer p.Close()

	limit := []sockets.Option{sockets.MaxMessageSize(maxFrame)}
	proxy, err := p.Z.SpawnProxy(p.Ctx, actors.ProxySpec{
		Name:     name,
		Frontend: sockets.Spec{Name: "frontend", Type: sockets.Router, Binds: []string{*frontend}, Options: limit},
		Backend:  sockets.Spec{Name: "backend", Type: sockets.Dealer, Binds: []string{*backend}, Options: limit},
		Owner:    p.Events.PID(),
	})
	p.Check(err)
	fmt.Println("bound", proxy.Frontend().Endpoint(), proxy.Backend().Endpoint())

	p.Serve(nil)        // until SIGINT or SIGTERM
	p.CloseProxy(proxy) // Close (deferred) shuts down the rest.
}
