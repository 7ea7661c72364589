// Package boss is the zguide's ROUTER-to-worker load balancing demo as
// actors, shared by rtreq (REQ workers) and rtdealer (DEALER workers),
// which differ only in the workers' socket type and framing.
//
// The broker is an actor that owns a ROUTER socket actor. For -work (5 s)
// after its socket is bound it answers every worker's message
// [worker, "", "Hi Boss"] with [worker, "", "Work harder"]; after that it
// answers with [worker, "", "Fired!"], once per worker, until it has fired
// as many workers as it expects. Each worker is an actor that owns a REQ
// or DEALER socket actor: it says "Hi Boss", and when told to work harder
// rests a random 1 to 500 ms (a timer: it never blocks) and asks again; when
// fired it reports the tasks it completed. A DEALER worker sends the empty
// delimiter frame itself, ["", "Hi Boss"], as a REQ socket does for its
// worker, so the broker sees the same frames from both.
package boss

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The words of the demo, as in the zguide.
var (
	hi     = []byte("Hi Boss")
	harder = []byte("Work harder")
	fired  = []byte("Fired!")
)

// broker hands out work until its time is up, then fires each worker
// that asks, until it has fired all it expects.
type broker struct {
	props   *actor.Props
	socket  *actor.PID
	work    time.Duration
	end     time.Time
	expect  int
	orders  int // "Work harder" answers sent
	dismiss int // workers fired

	bound  chan<- string
	done   chan<- [2]int // workers fired, work orders sent
	failed chan<- error
}

func (b *broker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		b.socket = ctx.Spawn(b.props)
	case *messages.Started:
		if m.Restarts == 0 {
			b.end = time.Now().Add(b.work)
			cli.Notify(b.bound, m.Bound[0])
		}
	case *messages.Received:
		f := m.Frames
		if len(f) != 3 || len(f[1]) != 0 {
			// A peer that speaks otherwise does not end the broker: it
			// is reported on stderr, and ignored.
			fmt.Fprintf(os.Stderr, "broker: a worker's message is [worker, \"\", request]; got %d frames, dropped\n", len(f))
			return
		}
		working := time.Now().Before(b.end)
		answer := harder
		if !working {
			answer = fired
		}
		ctx.Send(b.socket, &messages.Send{Frames: [][]byte{f[0], {}, answer}})
		if !working {
			b.dismiss++
			if b.dismiss == b.expect {
				// The socket actor answers after the Send before: once
				// it has, the last "Fired!" is ZeroMQ's to deliver, and
				// stopping the socket actor cannot drop it.
				ctx.Request(b.socket, &messages.GetStats{})
			}
			return
		}
		b.orders++
	case *messages.Stats:
		cli.Notify(b.done, [2]int{b.dismiss, b.orders})
	case *messages.Error, *messages.Closed:
		cli.NotifyFailure(b.failed, m)
	}
}

// worker asks for work until fired.
type worker struct {
	props  *actor.Props
	socket *actor.PID
	dealer bool
	rest   time.Duration
	timer  *time.Timer
	closed bool // its socket closed: no more asking
	total  int

	finished chan<- int
	failed   chan<- error
}

// ask is the worker's timer message: its rest is over.
type ask struct{}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		w.socket = ctx.Spawn(w.props)
	case *actor.Stopping:
		if w.timer != nil {
			w.timer.Stop()
		}
	case *messages.Started:
		if m.Restarts == 0 {
			w.ask(ctx)
		}
	case ask:
		w.timer = nil
		if !w.closed {
			w.ask(ctx)
		}
	case *messages.Reply: // a REQ worker's answer
		w.answered(ctx, m.Frames)
	case *messages.Received: // a DEALER worker's answer: ["", workload]
		if len(m.Frames) != 2 || len(m.Frames[0]) != 0 {
			cli.Notify(w.failed, fmt.Errorf("worker: the broker's answer is [\"\", workload]; got %d frames", len(m.Frames)))
			return
		}
		w.answered(ctx, m.Frames[1:])
	case *messages.Error:
		cli.Notify(w.failed, sockets.ErrorFromProto(m))
	case *messages.Closed:
		// A socket closed: the program is ending, and a timer's message
		// would go to a stopped socket actor as a dead letter.
		w.closed = true
		if w.timer != nil {
			w.timer.Stop()
		}
		cli.NotifyFailure(w.failed, m)
	}
}

// ask says "Hi Boss": a DEALER with the delimiter, a REQ as a request whose
// answer is the workload (it may wait as long as the broker takes).
func (w *worker) ask(ctx actor.Context) {
	if w.dealer {
		ctx.Send(w.socket, &messages.Send{Frames: [][]byte{{}, hi}})
		return
	}
	ctx.Request(w.socket, &messages.Request{Frames: [][]byte{hi}, NoTimeout: true})
}

// answered takes the broker's workload: fired ends the worker, anything
// else is a task, done by resting a random 1 to 500 ms (at most rest).
func (w *worker) answered(ctx actor.Context, body [][]byte) {
	if len(body) == 1 && bytes.Equal(body[0], fired) {
		cli.Notify(w.finished, w.total)
		return
	}
	w.total++
	d := time.Millisecond
	if w.rest > time.Millisecond {
		d += rand.N(w.rest)
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	w.timer = time.AfterFunc(d, func() { root.Send(self, ask{}) })
}

// Run is the main of rtreq (workers of type sockets.Req) and rtdealer
// (sockets.Dealer): it parses the command line, runs the broker and the
// workers, prints "Completed: N tasks" for each worker fired and a summary
// once the broker has fired all, and exits 0.
func Run(name string, workerType sockets.Type) {
	bind := flag.String("bind", "tcp://*:5671", "endpoint the broker binds")
	connect := flag.String("connect", "tcp://localhost:5671", "endpoint the workers connect to")
	workers := flag.Int("workers", 10, "number of workers in this process")
	remote := flag.Int("remote", 0, "number of workers of other processes the broker fires too before it ends")
	work := flag.Duration("work", 5*time.Second, "how long the broker hands out work once bound")
	rest := flag.Duration("rest", 500*time.Millisecond, "longest rest of a worker between tasks (a random 1 ms to this)")
	flag.Parse()
	cli.UsageIf(*workers < 0 || *remote < 0 || *workers+*remote == 0 || *work < 0 || *rest < 0 || flag.NArg() > 0,
		name+": -workers and -remote must be >= 0 and not both 0, -work and -rest >= 0, and no arguments")

	p := cli.Start(name)
	defer p.Close()

	routerProps, err := p.Z.Props(sockets.Spec{Name: "broker", Type: sockets.Router, Binds: []string{*bind}})
	p.Check(err)
	bound := make(chan string, 1)
	done := make(chan [2]int, 1)
	failed := make(chan error, 1+*workers)
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &broker{props: routerProps, work: *work, expect: *workers + *remote, bound: bound, done: done, failed: failed}
	}))
	select {
	case <-p.Ctx.Done():
		return
	case ep := <-bound:
		fmt.Println("bound", ep)
	case err := <-failed:
		p.Check(err)
	}

	finished := make(chan int, *workers)
	for i := range *workers {
		props, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("worker-%d", i), Type: workerType, Connects: []string{*connect}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &worker{props: props, dealer: workerType == sockets.Dealer, rest: *rest, finished: finished, failed: failed}
		}))
	}

	left, tasks := *workers, 0
	var summary *[2]int
	for left > 0 || summary == nil {
		select {
		case <-p.Ctx.Done():
			return
		case n := <-finished:
			fmt.Printf("Completed: %d tasks\n", n)
			tasks += n
			left--
		case d := <-done:
			summary = &d
		case err := <-failed:
			p.Check(err)
		}
	}
	fmt.Printf("Fired %d workers after %d work orders; the workers here completed %d tasks\n", summary[0], summary[1], tasks)
}
