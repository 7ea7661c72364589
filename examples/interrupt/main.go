// Interrupt is the zguide's signal handling example (interrupt): a REP
// socket bound to tcp://*:5555 waits for requests until SIGINT (Ctrl-C) or
// SIGTERM, then prints
//
//	W: interrupt received, killing server...
//
// closes the socket and the ZeroMQ context, and exits 0. Requests that
// come meanwhile are answered as hwserver answers them: one frame "Hello"
// (any frame) gets one frame "World" at once, after the line
// "Received request: [Hello]", so that a client is never left waiting.
//
// The zguide's server blocks in zmq_recv; its signal handler only sets a
// flag, and the blocked receive returns EINTR, after which the loop sees
// the flag and closes the socket. No receive blocks here: the REP socket
// actor waits for its socket's readiness through the Go runtime and hands
// each request to a handler actor, and main waits for the signal on a
// channel (cli.Program's context). On the signal main stops the socket
// actor with a Close command, which goes through its mailbox like any
// other: the socket is closed by the actor that owns it, between two
// messages, with a linger of zero (a reply not yet delivered is dropped,
// as zmq_close with ZMQ_LINGER 0 drops it). It prints "socket closed" once
// the socket actor has stopped, then terminates the ZeroMQ context, which
// would hang on a socket left open.
//
// The socket takes frames of up to a kilobyte (sockets.MaxMessageSize),
// and a peer that sends more is disconnected. It prints "bound ENDPOINT"
// once it listens.
package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/sockets"
)

func main() {
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients connect to")
	flag.Parse()
	cli.UsageIf(flag.NArg() > 0, "interrupt: no arguments")

	p := cli.Start("interrupt")
	defer p.Close()

	handler := p.System.Root.Spawn(hello.Props(0))
	responder := p.Spawn(sockets.Spec{Name: "responder", Type: sockets.Rep, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(hello.MaxRequest)}},
		actors.WithHandler(handler, actors.ServeOptions{}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", responder.Endpoint())

	p.Serve(nil) // until SIGINT or SIGTERM; a failed request is reported on stderr
	fmt.Println("W: interrupt received, killing server...")

	// The signal cancelled p.Ctx: the close has its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), cli.ShutdownTimeout)
	defer cancel()
	_, err := responder.CloseLinger(ctx, 0)
	p.Check(err)
	fmt.Println("socket closed")
	// Close (deferred) terminates the ZeroMQ context and the actor system.
}
