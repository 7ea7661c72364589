// Spqueue is the zguide's Simple Pirate queue (spqueue): the
// load-balancing broker, a ROUTER frontend bound to tcp://*:5555 for the
// clients (lpclient) and a ROUTER backend bound to tcp://*:5556 for the
// workers (spworker), which are REQ sockets that announce themselves with
// READY ("\x01"). Each request goes to the worker ready the longest; a
// worker's reply both answers its client and makes it ready again. There
// are no heartbeats: a worker that dies holding a request costs its client
// a retry, and a worker that dies while ready costs the next client one.
//
// It is an actors.Proxy with LoadBalance (Runtime.SpawnProxy), the same as
// the zguide's, which is lbbroker's code. It prints "bound FRONTEND
// BACKEND" once both sockets listen and runs until SIGINT or SIGTERM (exit
// 0).
package main

import (
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	frontend := flag.String("frontend", "tcp://*:5555", "endpoint the clients connect to")
	backend := flag.String("backend", "tcp://*:5556", "endpoint the workers connect to")
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "spqueue: no arguments")

	p := cli.Start("spqueue")
	defer p.Close()

	proxy, err := p.Z.SpawnProxy(p.Ctx, actors.ProxySpec{
		Name:        "spqueue",
		Frontend:    sockets.Spec{Name: "frontend", Type: sockets.Router, Binds: []string{*frontend}},
		Backend:     sockets.Spec{Name: "backend", Type: sockets.Router, Binds: []string{*backend}},
		LoadBalance: true,
		Owner:       p.Events.PID(),
	})
	p.Check(err)
	fmt.Println("bound", proxy.Frontend().Endpoint(), proxy.Backend().Endpoint())

	p.Serve(nil)
	p.CloseProxy(proxy)
}
