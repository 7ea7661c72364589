// Mtserver is the zguide's multithreaded hello world server (mtserver), as
// actors: a ROUTER socket bound to tcp://*:5555 answers each request, one
// frame "Hello", with one frame "World", as hwserver does; hwclient and any
// REQ or DEALER client talk to it the same way. Each of its -workers (5)
// workers prints
//
//	Received request: [Hello]
//
// for each request it gets (any request is answered with "World"; the line
// shows its first frame), works for -work (1s, the zguide's sleep) and
// answers. The workers work at the same time: with the default work the
// server answers up to -workers requests a second.
//
// The zguide's version binds a ROUTER for the clients and a DEALER on
// inproc://workers, starts five worker threads with a REP socket each on
// the DEALER, and calls zmq_proxy between the two. Here the ROUTER socket
// actor is a server (actors.WithHandler) whose handler is a protoactor
// round-robin pool of worker actors (router.NewRoundRobinPool): the socket
// actor hands each request to the pool, the pool to the next worker in
// turn, and the worker's answer goes back through the socket actor to the
// client it came from, the ROUTER's envelope put back. A worker handles
// one request at a time and sleeps through the work, as the zguide's
// threads do: it is one of a pool, and blocks no one else. Up to 10
// requests per worker wait in the workers' mailboxes; beyond that the
// server stops receiving until answers go out, and further requests wait
// in ZeroMQ's queues.
//
// The socket takes frames of up to a kilobyte (hello.MaxRequest): a
// request is one word, and a peer that sends more is disconnected.
//
// It prints "bound ENDPOINT" once it listens and runs until SIGINT or
// SIGTERM (exit 0). A request that fails (no worker answered within the
// deadline) is reported on stderr and the server goes on.
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/examples/internal/hello"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// queued is the most requests in progress per worker: the one it works on
// and those waiting in its mailbox.
const queued = 10

// worker answers each request with "World" after the work.
type worker struct{ work time.Duration }

func (w *worker) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Request)
	if !ok {
		return
	}
	fmt.Printf("Received request: [%s]\n", m.Frames[0])
	time.Sleep(w.work) // the zguide's work; the other workers go on meanwhile
	ctx.Respond(&messages.Reply{Frames: [][]byte{[]byte("World")}})
}

func main() {
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients connect to")
	workers := flag.Int("workers", 5, "number of worker actors")
	work := flag.Duration("work", time.Second, "time a worker spends on each request before answering it")
	flag.Parse()
	cli.UsageIf(*workers < 1 || *work < 0 || flag.NArg() > 0,
		"mtserver: -workers must be >= 1, -work >= 0, and no arguments")

	p := cli.Start("mtserver")
	defer p.Close()

	pool := p.System.Root.Spawn(router.NewRoundRobinPool(*workers).Configure(
		actor.WithProducer(func() actor.Actor { return &worker{work: *work} })))
	// At most queued requests per worker are in progress; more wait in
	// ZeroMQ's queues. A request waits in its worker's mailbox for the ones
	// ahead of it: the deadline leaves room for them.
	server := p.Spawn(sockets.Spec{Name: "clients", Type: sockets.Router, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(hello.MaxRequest)}},
		actors.WithHandler(pool, actors.ServeOptions{
			MaxPending: queued * (*workers),
			Timeout:    queued*(*work) + actors.DefaultHandlerTimeout,
		}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", server.Endpoint())

	p.Serve(nil) // until SIGINT or SIGTERM
}
