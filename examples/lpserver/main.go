// Lpserver is the zguide's Lazy Pirate server (lpserver), an unreliable
// echo server for lpclient: a REP socket bound to tcp://*:5555 answers each
// request with the request itself, frame for frame, after -work (1s, the
// zguide's "heavy work"), printing
//
//	I: normal request (1)
//
// (the request's first frame). After three requests (cycles), as in the
// zguide, each request has a chance of one in three to be a simulated
// crash: it prints "I: simulating a crash", does not answer and the server
// exits (0, as the zguide's does). Otherwise it has a chance of one in
// three to be a simulated CPU overload: it prints "I: simulating CPU
// overload" and waits -overload (2s) more before the work, longer than
// lpclient's 2.5 s timeout with the work.
//
// -chaos=false turns the randomness off. -crash-at N and -overload-at N
// make request N (counting from 1) a crash or an overload, with or without
// -chaos, so that a test can play a scenario.
//
// The REP socket actor hands each request to a handler actor
// (actors.WithHandler), which answers with the reply to the request's
// sender. The handler never blocks: the work is a timer, and the reply goes
// out when it fires. A REP socket takes the next request only once it has
// answered the last one, so requests are handled one at a time, as in the
// zguide's loop. A client that gave up on a request and sent it again on a
// new socket gets its answer once the server is done with the ones before,
// which may include the copies it sent on its closed sockets: ZeroMQ still
// delivers those, and their answers go nowhere.
//
// lpclient's requests are sequence numbers, a few digits: the socket takes
// frames of up to a kilobyte (sockets.MaxMessageSize), and disconnects a
// peer that sends more instead of holding (and echoing) it.
//
// It prints "bound ENDPOINT" once it listens and runs until SIGINT or
// SIGTERM (exit 0), or a simulated crash.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// maxRequest is the largest frame the server takes.
const maxRequest = 1 << 10

// server echoes each request after the work, and plays the troubles.
type server struct {
	work, overload      time.Duration
	chaos               bool
	crashAt, overloadAt int
	cycles              int
	crashed             chan<- struct{} // buffered: the handler never waits
}

func (s *server) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Request)
	if !ok {
		return
	}
	s.cycles++
	delay := s.work
	// The zguide's dice: a crash one time in three, else an overload one
	// time in three, after three cycles.
	switch {
	case s.cycles == s.crashAt || s.chaos && s.cycles > 3 && rand.IntN(3) == 0:
		fmt.Println("I: simulating a crash")
		select {
		case s.crashed <- struct{}{}:
		default:
		}
		return
	case s.cycles == s.overloadAt || s.chaos && s.cycles > 3 && rand.IntN(3) == 0:
		fmt.Println("I: simulating CPU overload")
		delay += s.overload
	}
	fmt.Printf("I: normal request (%s)\n", m.Frames[0])
	reply := &messages.Reply{Frames: m.Frames}
	if delay <= 0 {
		ctx.Respond(reply)
		return
	}
	// The sender stands for this one request: the reply may go to it
	// later, from any goroutine.
	to, root := ctx.Sender(), ctx.ActorSystem().Root
	time.AfterFunc(delay, func() { root.Send(to, reply) })
}

func main() {
	bind := flag.String("bind", "tcp://*:5555", "endpoint the clients connect to")
	work := flag.Duration("work", time.Second, "time spent on each request before answering it")
	overload := flag.Duration("overload", 2*time.Second, "extra time spent on a request in a simulated CPU overload")
	chaos := flag.Bool("chaos", true, "simulate crashes and CPU overloads at random, after three requests")
	crashAt := flag.Int("crash-at", 0, "simulate a crash at this request (0: only at random)")
	overloadAt := flag.Int("overload-at", 0, "simulate a CPU overload at this request (0: only at random)")
	flag.Parse()
	cli.UsageIf(*work < 0 || *overload < 0 || *crashAt < 0 || *overloadAt < 0 || flag.NArg() > 0,
		"lpserver: -work, -overload, -crash-at and -overload-at must be >= 0, and no arguments")

	p := cli.Start("lpserver")
	defer p.Close()

	crashed := make(chan struct{}, 1)
	handler := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &server{work: *work, overload: *overload, chaos: *chaos, crashAt: *crashAt, overloadAt: *overloadAt,
			crashed: crashed}
	}))
	responder := p.Spawn(sockets.Spec{Name: "responder", Type: sockets.Rep, Binds: []string{*bind},
		Options: []sockets.Option{sockets.MaxMessageSize(maxRequest)}},
		actors.WithHandler(handler, actors.ServeOptions{Timeout: *work + *overload + actors.DefaultHandlerTimeout}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("bound", responder.Endpoint())

	p.Serve(crashed) // until SIGINT or SIGTERM, or a crash: its request is never answered
}
