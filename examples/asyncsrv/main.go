// Asyncsrv is the zguide's asynchronous client/server (asyncsrv), clients
// and server in one process. Each of -clients (3) clients is a DEALER
// socket with a random routing id such as "1A2B-3C4D", connected to
// tcp://localhost:5570, which sends "request #1", "request #2", ... one a
// second (-interval) and prints each reply as it comes, whenever it comes:
//
//	Client 1A2B-3C4D received: request #2
//
// The server is a ROUTER frontend bound to tcp://*:5570 and a DEALER
// backend bound to inproc://backend, to which -workers (5) workers connect
// with a DEALER socket each. A request [client, "request #N"] goes to the
// workers in turn; the worker answers it with 0 to 4 copies of itself,
// [client, "request #N"], each after a random pause of up to a second
// (-work), and the frontend sends them back to that client. No empty
// delimiter frame: a DEALER client talks to a ROUTER server directly.
//
// The server is an actors.Proxy (Runtime.SpawnProxy) between the ROUTER
// and the DEALER, the clients and workers are actors that own their
// DEALER socket actors, and nobody waits: pauses and the clients' ticks
// are timers. With -n N each client sends N requests; the program ends
// (exit 0) once the clients have every reply the workers promised, and
// prints "Clients received R replies to Q requests". Without it, it runs
// until SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxReplies is one more than the most replies a worker sends to a request.
const maxReplies = 5

// client sends a request every interval, n of them (0: no end), and
// prints every reply.
type client struct {
	id       string
	props    *actor.Props
	socket   *actor.PID
	interval time.Duration
	n, sent  int
	timer    *time.Timer
	closed   bool // its socket closed: no more requests

	replies chan<- struct{} // with room for every reply, if n > 0
	failed  chan<- error
}

// tick is a client's timer message: time to send the next request.
type tick struct{}

func (c *client) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.socket = ctx.Spawn(c.props)
	case *actor.Stopping:
		if c.timer != nil {
			c.timer.Stop()
		}
	case *messages.Started:
		if m.Restarts == 0 {
			c.send(ctx)
		}
	case tick:
		if !c.closed {
			c.send(ctx)
		}
	case *messages.Received:
		if len(m.Frames) != 1 {
			cli.Notify(c.failed, fmt.Errorf("client %s: a reply is one frame; got %d", c.id, len(m.Frames)))
			return
		}
		fmt.Printf("Client %s received: %s\n", c.id, m.Frames[0])
		if c.n > 0 {
			c.replies <- struct{}{}
		}
	case *messages.Error:
		cli.Notify(c.failed, sockets.ErrorFromProto(m))
	case *messages.Closed:
		// A socket closed: the program is ending, and a timer's message
		// would go to a stopped socket actor as a dead letter.
		c.closed = true
		if c.timer != nil {
			c.timer.Stop()
		}
		cli.NotifyFailure(c.failed, m)
	}
}

// send sends the next request and sets the timer for the one after, if any.
func (c *client) send(ctx actor.Context) {
	c.sent++
	ctx.Send(c.socket, &messages.Send{Frames: [][]byte{fmt.Appendf(nil, "request #%d", c.sent)}})
	if c.n > 0 && c.sent == c.n {
		return
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	c.timer = time.AfterFunc(c.interval, func() { root.Send(self, tick{}) })
}

// worker answers each request with 0 to 4 copies of it, one after the
// other, each after a random pause.
type worker struct {
	props  *actor.Props
	socket *actor.PID
	work   time.Duration
	timers map[*time.Timer]bool
	closed bool // its socket closed: no more replies

	promised chan<- int // with room for every request, if the clients end
	failed   chan<- error
}

// reply is a worker's timer message: one reply is due.
type reply struct {
	timer  *time.Timer
	frames [][]byte
}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		w.socket = ctx.Spawn(w.props)
		w.timers = map[*time.Timer]bool{}
	case *actor.Stopping:
		for t := range w.timers {
			t.Stop()
		}
	case *messages.Received:
		// [client, request]
		if len(m.Frames) != 2 {
			fmt.Fprintf(os.Stderr, "worker: a request is [client, request]; got %d frames, dropped\n", len(m.Frames))
			return
		}
		n := rand.IntN(maxReplies)
		if w.promised != nil {
			select {
			case w.promised <- n:
			default: // never wait: the room is for the clients' requests
				cli.Notify(w.failed, fmt.Errorf("worker: more requests than the clients here sent (one from another process?)"))
			}
		}
		// The replies go out in turn: each pause starts after the last.
		at := time.Duration(0)
		self, root := ctx.Self(), ctx.ActorSystem().Root
		for range n {
			at += time.Millisecond + rand.N(w.work+1)
			r := &reply{frames: m.Frames}
			r.timer = time.AfterFunc(at, func() { root.Send(self, r) })
			w.timers[r.timer] = true
		}
	case *reply:
		delete(w.timers, m.timer)
		if !w.closed {
			ctx.Send(w.socket, &messages.Send{Frames: m.frames})
		}
	case *messages.Error:
		cli.Notify(w.failed, sockets.ErrorFromProto(m))
	case *messages.Closed:
		// A socket closed: the program is ending, and a timer's message
		// would go to a stopped socket actor as a dead letter.
		w.closed = true
		for t := range w.timers {
			t.Stop()
		}
		cli.NotifyFailure(w.failed, m)
	}
}

func main() {
	bind := flag.String("bind", "tcp://*:5570", "endpoint the server binds for the clients")
	connect := flag.String("connect", "tcp://localhost:5570", "endpoint the clients connect to")
	clients := flag.Int("clients", 3, "number of clients")
	workers := flag.Int("workers", 5, "number of server workers")
	n := flag.Int("n", 0, "requests each client sends, then the program ends once all replies came (0: no end)")
	interval := flag.Duration("interval", time.Second, "time between a client's requests")
	work := flag.Duration("work", time.Second, "longest pause of a worker before each reply")
	flag.Parse()
	cli.UsageIf(*clients < 0 || *workers < 1 || *n < 0 || *interval <= 0 || *work < 0 || flag.NArg() > 0,
		"asyncsrv: -clients and -n must be >= 0, -workers >= 1, -interval > 0, -work >= 0, and no arguments")

	p := cli.Start("asyncsrv")
	defer p.Close()

	server, err := p.Z.SpawnProxy(p.Ctx, actors.ProxySpec{
		Name:     "asyncsrv",
		Frontend: sockets.Spec{Name: "frontend", Type: sockets.Router, Binds: []string{*bind}},
		Backend:  sockets.Spec{Name: "backend", Type: sockets.Dealer, Binds: []string{"inproc://backend"}},
		Owner:    p.Events.PID(),
	})
	p.Check(err)
	fmt.Println("bound", server.Frontend().Endpoint())

	failed := make(chan error, 1)
	var promised chan int
	var replies chan struct{}
	if *n > 0 {
		requests := *clients * *n
		promised = make(chan int, requests)
		replies = make(chan struct{}, requests*(maxReplies-1))
	}
	for i := range *workers {
		props, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("worker-%d", i), Type: sockets.Dealer,
			Connects: []string{"inproc://backend"}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &worker{props: props, work: *work, promised: promised, failed: failed}
		}))
	}
	for range *clients {
		id := fmt.Sprintf("%04X-%04X", rand.IntN(0x10000), rand.IntN(0x10000))
		props, err := p.Z.Props(sockets.Spec{Name: "client-" + id, Type: sockets.Dealer, Connects: []string{*connect},
			Options: []sockets.Option{sockets.RoutingID([]byte(id))}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &client{id: id, props: props, interval: *interval, n: *n, replies: replies, failed: failed}
		}))
	}

	requests, due, got := 0, 0, 0
	for *n == 0 || requests < *clients**n || got < due {
		select {
		case <-p.Ctx.Done():
			p.CloseProxy(server)
			return
		case k := <-promised:
			requests++
			due += k
		case <-replies:
			got++
		case err := <-failed:
			p.Check(err)
		case m := <-p.Events.C():
			p.Event(m)
		}
	}
	fmt.Printf("Clients received %d replies to %d requests\n", got, requests)
	p.CloseProxy(server) // Close (deferred) shuts down the rest.
}
