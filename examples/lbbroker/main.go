// Lbbroker is the zguide's load-balancing broker (lbbroker), with its
// clients and workers in the same process: a ROUTER frontend bound to
// ipc://frontend.ipc for the clients and a ROUTER backend bound to
// ipc://backend.ipc for the workers. Each of -workers (3) workers, a REQ
// socket, announces itself with "READY"; each of -clients (10) clients, a
// REQ socket, sends "HELLO"; the broker hands each request
// [client, "", "HELLO"] to the worker that has been ready the longest as
// [worker, "", client, "", "HELLO"], and the worker's answer
// [client, "", "OK"] goes back to that client. Workers print
//
//	Worker: HELLO
//
// for each request, clients "Client: OK" for their reply. The broker prints
// "bound FRONTEND BACKEND" once both sockets listen, and the program ends
// (exit 0) printing "Relayed N replies" once the broker has passed on
// -requests replies (default: one per client of this process) and the
// clients here have theirs; with -requests 0 and no clients it serves
// until SIGINT or SIGTERM. With -clients 0 or -workers 0 the program is the
// broker alone for that side, for clients and workers of other processes
// (a zguide client or worker in any language).
//
// The broker is the library's load balancer: an actors.Proxy with
// ProxySpec.LoadBalance (Runtime.SpawnProxy), a proxy actor that owns the
// two ROUTER socket actors and routes between them; its ProxySpec.Capture
// copy of every message lets the program count the replies. Each client
// and worker is an actor that owns its REQ socket actor and never waits: a
// client's "HELLO" is a request (messages.Request) answered by the reply,
// and a worker's "READY" and each of its answers are requests answered by
// its next work, [client, "", request].
//
// -frontend and -backend take any endpoint, such as tcp://127.0.0.1:*
// (the port the system chose is printed). Errors of single messages (a
// malformed one, from another process) are reported on stderr and the
// broker goes on.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxFrame is the largest frame either socket of the broker takes: it
// passes on whatever its peers say, but no more than this from any.
const maxFrame = 64 << 10

// client sends one "HELLO" and reports the reply.
type client struct {
	props    *actor.Props
	socket   *actor.PID
	answered chan<- struct{}
	failed   chan<- error
}

func (c *client) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.socket = ctx.Spawn(c.props)
	case *messages.Started:
		if m.Restarts == 0 {
			ctx.Request(c.socket, &messages.Request{Frames: [][]byte{[]byte("HELLO")}, NoTimeout: true})
		}
	case *messages.Reply:
		fmt.Printf("Client: %s\n", m.Frames[0])
		c.answered <- struct{}{} // buffered for every client
	case *messages.Error, *messages.Closed:
		cli.NotifyFailure(c.failed, m)
	}
}

// worker says "READY", then answers each request with "OK".
type worker struct {
	props  *actor.Props
	socket *actor.PID
	failed chan<- error
}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		w.socket = ctx.Spawn(w.props)
	case *messages.Started:
		if m.Restarts == 0 {
			w.ask(ctx, []byte("READY"))
		}
	case *messages.Reply:
		// The work: [client, "", request].
		f := m.Frames
		if len(f) != 3 || len(f[1]) != 0 {
			cli.Notify(w.failed, fmt.Errorf("worker: the broker's message is [client, \"\", request]; got %d frames", len(f)))
			return
		}
		fmt.Printf("Worker: %s\n", f[2])
		w.ask(ctx, f[0], nil, []byte("OK"))
	case *messages.Error, *messages.Closed:
		cli.NotifyFailure(w.failed, m)
	}
}

// ask sends frames and takes the next work as its answer, however long
// the broker takes to have some.
func (w *worker) ask(ctx actor.Context, frames ...[]byte) {
	ctx.Request(w.socket, &messages.Request{Frames: frames, NoTimeout: true})
}

// isReply reports whether m, a message the broker captured, is a worker's
// reply to a client: [worker, "", client, "", reply...] on the backend.
func isReply(m *messages.Received) bool {
	f := m.Frames
	return m.Socket == "backend" && len(f) >= 5 && len(f[1]) == 0 && len(f[3]) == 0
}

// delivered waits until socket s has handed n messages to ZeroMQ, asking
// its counters every few milliseconds, for cli.ShutdownTimeout at most.
func delivered(p *cli.Program, s *actors.Socket, n int) {
	ctx, cancel := context.WithTimeout(p.Ctx, cli.ShutdownTimeout)
	defer cancel()
	for {
		st, err := s.Stats(ctx)
		p.Check(err)
		if st.GetSent() >= uint64(n) {
			return
		}
		select {
		case <-ctx.Done():
			p.Check(fmt.Errorf("%s sent %d replies of %d: %w", s.Name(), st.GetSent(), n, ctx.Err()))
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func main() {
	frontend := flag.String("frontend", "ipc://frontend.ipc", "endpoint the clients connect to")
	backend := flag.String("backend", "ipc://backend.ipc", "endpoint the workers connect to")
	clients := flag.Int("clients", 10, "number of clients in this process")
	workers := flag.Int("workers", 3, "number of workers in this process")
	requests := flag.Int("requests", -1, "end once the broker relayed this many replies (default: -clients; 0: run until interrupted)")
	flag.Parse()
	if *requests < 0 {
		*requests = *clients
	}
	cli.UsageIf(*clients < 0 || *workers < 0 || *requests < *clients || flag.NArg() > 0,
		"lbbroker: -clients and -workers must be >= 0, -requests >= -clients, and no arguments")

	p := cli.Start("lbbroker")
	defer p.Close()

	capture := p.Inbox(64) // closed after the proxy, which sends to it
	limit := []sockets.Option{sockets.MaxMessageSize(maxFrame)}
	proxy, err := p.Z.SpawnProxy(p.Ctx, actors.ProxySpec{
		Name:        "lbbroker",
		Frontend:    sockets.Spec{Name: "frontend", Type: sockets.Router, Binds: []string{*frontend}, Options: limit},
		Backend:     sockets.Spec{Name: "backend", Type: sockets.Router, Binds: []string{*backend}, Options: limit},
		LoadBalance: true,
		Capture:     capture.PID(),
		Owner:       p.Events.PID(),
	})
	p.Check(err)
	fmt.Println("bound", proxy.Frontend().Endpoint(), proxy.Backend().Endpoint())

	failed := make(chan error, 1)
	for i := range *workers {
		props, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("worker-%d", i), Type: sockets.Req,
			Connects: []string{proxy.Backend().Endpoint()}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &worker{props: props, failed: failed} }))
	}
	answered := make(chan struct{}, *clients)
	for i := range *clients {
		props, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("client-%d", i), Type: sockets.Req,
			Connects: []string{proxy.Frontend().Endpoint()}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &client{props: props, answered: answered, failed: failed}
		}))
	}

	relayed, waiting := 0, *clients
loop:
	for *requests == 0 || relayed < *requests || waiting > 0 {
		select {
		case <-p.Ctx.Done():
			break loop
		case m := <-capture.C():
			if r, ok := m.(*messages.Received); ok && isReply(r) {
				relayed++
			}
		case <-answered:
			waiting--
		case err := <-failed:
			p.Check(err)
		case m := <-p.Events.C():
			p.Event(m) // a malformed message is reported and the broker goes on
		}
	}
	if !p.Interrupted() {
		// The capture's copy comes before the reply is sent on: wait
		// until the frontend has handed the replies to ZeroMQ, so that
		// stopping it does not drop the last.
		delivered(p, proxy.Frontend(), relayed)
		fmt.Printf("Relayed %d replies\n", relayed)
	}
	p.CloseProxy(proxy) // Close (deferred) shuts down the rest.
}
