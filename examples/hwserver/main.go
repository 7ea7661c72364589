// Hwserver is the zguide's hello world server (hwserver): a REP socket
// bound to tcp://*:5555 answers each request, one frame "Hello", with one
// frame "World". For each request it prints
//
//	Received request: [Hello]
//
// and works for -work (1s, the zguide's sleep) before it answers. Any
// request is answered with "World"; the line shows its first frame.
//
// The REP socket actor hands each request to a handler actor
// (actors.WithHandler), which answers with the reply to the request's
// sender. The handler never blocks: the work is a timer, and the reply goes
// out when it fires. A REP socket takes the next request only once it has
// answered the last one, so requests are handled one at a time, as in the
// zguide's loop, whatever the number of clients.
//
// It prints "bound ENDPOINT" once it listens and runs until SIGINT or
// SIGTERM (exit 0). A request that fails (the handler missed its deadline)
// is reported on stderr and the server goes on.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// greeter answers each request with "World" after the work.
type greeter struct{ work time.Duration }

func (g *greeter) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Request)
	if !ok {
		return
	}
	fmt.Printf("Received request: [%s]\n", m.Frames[0])
	reply := &messages.Reply{Frames: [][]byte{[]byte("World")}}
	if g.work <= 0 {
		ctx.Respond(reply)
		return
	}
	// The sender stands for this one request: the reply may go to it
	// later, from any goroutine.
	to, root := ctx.Sender(), ctx.ActorSystem().Root
	time.AfterFunc(g.work, func() { root.Send(to, reply) })
}

func main() {
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients connect to")
	work := flag.Duration("work", time.Second, "time spent on each request before answering it")
	flag.Parse()
	if *work < 0 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "hwserver: -work must be >= 0, and no arguments")
		flag.Usage()
		os.Exit(2)
	}

	p := cli.Start("hwserver")
	defer p.Close()

	handler := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &greeter{work: *work} }))
	events := actors.NewInbox(p.System, 16)
	defer events.Close()
	responder, err := p.Z.Spawn(p.Ctx, sockets.Spec{Name: "responder", Type: sockets.Rep, Binds: []string{*bind}},
		actors.WithHandler(handler, actors.ServeOptions{Deadline: *work + actors.DefaultHandlerDeadline}),
		actors.WithOwner(events.PID()))
	p.Check(err)
	fmt.Println("bound", responder.Endpoint())

	for {
		select {
		case <-p.Ctx.Done():
			return // Close (deferred) shuts down cleanly.
		case m := <-events.C():
			switch m := m.(type) {
			case *messages.Error:
				// One failed request does not stop the server.
				fmt.Fprintf(os.Stderr, "hwserver: %v\n", sockets.ErrorFromProto(m))
			case *messages.Closed:
				err := sockets.ErrorFromProto(m.Error)
				if err == nil {
					err = fmt.Errorf("%s closed: %s", m.Socket, m.Reason)
				}
				p.Check(err)
			}
		}
	}
}
