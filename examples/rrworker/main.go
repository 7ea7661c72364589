// Rrworker is the zguide's request-reply worker (rrworker): a REP socket
// connects to the broker's backend at tcp://localhost:5560 (see rrbroker)
// and answers each request, one frame "Hello", with one frame "World". For
// each request it prints
//
//	Received request: [Hello]
//
// and works for -work (1s, the zguide's sleep) before it answers. Any
// request is answered with "World"; the line shows its first frame.
// Several workers may connect to one broker, which spreads the requests
// over them.
//
// The REP socket actor hands each request to a handler actor
// (actors.WithHandler), which answers with the reply to the request's
// sender. The handler never blocks: the work is a timer, and the reply goes
// out when it fires. A REP socket takes the next request only once it has
// answered the last one, so a worker handles one request at a time.
//
// It prints "worker ready" once its socket is open (ZeroMQ connects in the
// background, and again whenever the broker comes back) and runs until
// SIGINT or SIGTERM (exit 0). A request that fails (the handler missed its
// deadline) is reported on stderr and the worker goes on.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	connect := flag.String("connect", "tcp://localhost:5560", "endpoint of the broker's backend")
	work := flag.Duration("work", time.Second, "time spent on each request before answering it")
	flag.Parse()
	if *work < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "rrworker: -work must be >= 0, and no arguments")
		flag.Usage()
		os.Exit(2)
	}

	p := cli.Start("rrworker")
	defer p.Close()

	handler := p.System.Root.Spawn(hello.Props(*work))
	events := actors.NewInbox(p.System, 16)
	defer events.Close()
	_, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "responder", Type: sockets.Rep, Connects: []string{*connect}},
		actors.WithHandler(handler, actors.ServeOptions{Timeout: *work + actors.DefaultHandlerTimeout}),
		actors.WithOwner(events.PID()))
	p.Check(err)
	fmt.Println("worker ready")

	for {
		select {
		case <-p.Ctx.Done():
			return // Close (deferred) shuts down cleanly.
		case m := <-events.C():
			p.Event(m) // a failed request is reported and the program goes on
		}
	}
}
