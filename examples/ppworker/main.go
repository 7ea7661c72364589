// Ppworker is the zguide's Paranoid Pirate worker (ppworker, ZeroMQ RFC 6):
// a DEALER connected to tcp://localhost:5556 (ppqueue's backend) that
// sends READY, heartbeats the queue every -heartbeat (1s), and echoes each
// request, frame for frame, after -work (0). It prints
//
//	I: worker ready
//	I: request (1)
//	I: normal reply (1)
//
// (the request's first frame). When the queue stays silent for 3
// heartbeats, the worker reports "heartbeat failure" on stderr, closes its
// socket, opens a new one, waits (1 s, doubling up to 32 s) and sends READY
// again: it finds a restarted queue.
//
// With -chaos (off by default, as lpserver's), after three requests each
// request has a chance of one in five to be a simulated crash (it prints
// "I: simulating a crash" and exits 0 without answering) and then one in
// five to be a simulated CPU overload (it prints "I: simulating CPU
// overload" and works 3 s more). -crash-at N crashes at request N.
//
// The worker is a socket actor spawned WithPirateWorker: it hands each
// request to a handler actor, which never blocks (the work is a timer), and
// sends back its reply. It runs until SIGINT or SIGTERM (exit 0).
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

// worker echoes each request after the work, and plays the troubles.
type worker struct {
	work    time.Duration
	chaos   bool
	crashAt int
	cycles  int
	crashed chan<- struct{}
}

func (w *worker) Receive(ctx actor.Context) {
	m, ok := ctx.Message().(*messages.Request)
	if !ok {
		return
	}
	w.cycles++
	fmt.Printf("I: request (%s)\n", m.Frames[0])
	delay := w.work
	switch {
	case w.cycles == w.crashAt || w.chaos && w.cycles > 3 && rand.IntN(5) == 0:
		fmt.Println("I: simulating a crash")
		cli.Notify(w.crashed, struct{}{})
		return
	case w.chaos && w.cycles > 3 && rand.IntN(5) == 0:
		fmt.Println("I: simulating CPU overload")
		delay += 3 * time.Second
	}
	reply, first := &messages.Reply{Frames: m.Frames}, m.Frames[0]
	to, root := ctx.Sender(), ctx.ActorSystem().Root
	time.AfterFunc(delay, func() {
		fmt.Printf("I: normal reply (%s)\n", first)
		root.Send(to, reply)
	})
}

func main() {
	connect := flag.String("connect", "tcp://localhost:5556", "endpoint of the queue's backend")
	heartbeat := flag.Duration("heartbeat", time.Second, "heartbeat interval (the queue's must be the same)")
	work := flag.Duration("work", 0, "time spent on each request before answering it")
	chaos := flag.Bool("chaos", false, "simulate crashes and CPU overloads at random, after three requests")
	crashAt := flag.Int("crash-at", 0, "simulate a crash at this request (0: only at random)")
	flag.Parse()
	cli.UsageIf(*heartbeat <= 0 || *work < 0 || *crashAt < 0 || flag.NArg() > 0,
		"ppworker: -heartbeat must be > 0, -work and -crash-at >= 0, and no arguments")

	p := cli.Start("ppworker")
	defer p.Close()

	crashed := make(chan struct{}, 1)
	handler := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &worker{work: *work, chaos: *chaos, crashAt: *crashAt, crashed: crashed}
	}))
	p.Spawn(sockets.Spec{Name: "worker", Type: sockets.Dealer, Connects: []string{*connect},
		Options: []sockets.Option{sockets.Linger(0)}},
		actors.WithPirateWorker(handler, actors.PirateWorkerOptions{
			Heartbeat: actors.Heartbeat{Interval: *heartbeat},
			Timeout:   *work + 3*time.Second + actors.DefaultHandlerTimeout,
		}),
		actors.WithOwner(p.Events.PID()))
	fmt.Println("I: worker ready")

	p.Serve(crashed) // until SIGINT or SIGTERM, or a crash
}
