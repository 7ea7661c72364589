// Taskwork is the zguide's task worker (taskwork): it pulls workloads from
// the ventilator at tcp://localhost:5557, does each one (sleeps that many
// milliseconds, one task at a time), prints "." and pushes an empty result
// to the sink at tcp://localhost:5558. It runs until SIGINT or SIGTERM, or
// until it did -n tasks.
//
// The worker is an actor that owns its two socket actors as children. It
// never blocks in Receive: a timer sends it a message when a task is done,
// and workloads that arrive meanwhile wait in order. It prints "worker
// ready" once both socket actors have started.
package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// worker does one task at a time; the others wait in order. It tells main
// through channels, without ever blocking, when it is ready, when it did
// its limit of tasks, and when something failed.
type worker struct {
	receiverProps, senderProps *actor.Props
	receiver, sender           *actor.PID
	started                    int
	tasks                      []int
	timer                      *time.Timer
	done, limit                int

	ready    chan<- string
	finished chan<- struct{}
	failed   chan<- error
}

// taskDone is the worker's own timer message: the current task is done.
type taskDone struct{}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		w.receiver = ctx.Spawn(w.receiverProps)
		w.sender = ctx.Spawn(w.senderProps)
	case *actor.Stopping:
		if w.timer != nil {
			w.timer.Stop()
		}
	case *messages.Started:
		w.started++
		if w.started == 2 && m.Restarts == 0 {
			cli.Notify(w.ready, "worker ready")
		}
	case *messages.Received:
		if len(m.Frames) != 1 {
			cli.Notify(w.failed, fmt.Errorf("bad workload: %d frames, want 1", len(m.Frames)))
			return
		}
		ms, err := strconv.Atoi(string(m.Frames[0]))
		if err != nil || ms < 0 {
			cli.Notify(w.failed, fmt.Errorf("bad workload %q", m.Frames[0]))
			return
		}
		w.tasks = append(w.tasks, ms)
		w.next(ctx)
	case taskDone:
		w.timer = nil
		// The result: an empty message. Its failure, if any, comes back
		// as a *messages.Error.
		ctx.Send(w.sender, &messages.Send{Frames: [][]byte{{}}})
		w.done++
		if w.limit > 0 && w.done == w.limit {
			cli.Notify(w.finished, struct{}{})
			return
		}
		w.next(ctx)
	case *messages.Error:
		cli.Notify(w.failed, sockets.ErrorFromProto(m))
	case *messages.Closed:
		if m.Error != nil {
			cli.Notify(w.failed, fmt.Errorf("%s closed: %w", m.Socket, sockets.ErrorFromProto(m.Error)))
		}
	}
}

// next starts the oldest waiting task unless one is running.
func (w *worker) next(ctx actor.Context) {
	if w.timer != nil || len(w.tasks) == 0 {
		return
	}
	ms := w.tasks[0]
	w.tasks = w.tasks[1:]
	fmt.Print(".")
	// Never block in Receive: the timer tells the worker when the task is done.
	self, root := ctx.Self(), ctx.ActorSystem().Root
	w.timer = time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { root.Send(self, taskDone{}) })
}

func main() {
	vent := flag.String("vent", "tcp://localhost:5557", "endpoint of the ventilator")
	sink := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	n := flag.Int("n", 0, "stop after this many tasks (0: run until interrupted)")
	flag.Parse()
	cli.UsageIf(*n < 0 || flag.NArg() > 0, "taskwork: -n must be >= 0, and no arguments")

	p := cli.Start("taskwork")
	defer p.Close()

	receiver, err := p.Z.Props(sockets.Spec{Name: "receiver", Type: sockets.Pull, Connects: []string{*vent}})
	p.Check(err)
	sender, err := p.Z.Props(sockets.Spec{Name: "sender", Type: sockets.Push, Connects: []string{*sink}})
	p.Check(err)
	ready := make(chan string, 1)
	finished := make(chan struct{}, 1)
	failed := make(chan error, 1)
	w := &worker{receiverProps: receiver, senderProps: sender, limit: *n, ready: ready, finished: finished, failed: failed}
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return w }))

	for {
		select {
		case <-p.Ctx.Done():
			fmt.Println()
			return // Close (deferred) stops the socket actors and the context.
		case line := <-ready:
			fmt.Println(line)
		case <-finished:
			fmt.Println()
			return // Close lets the last results out (the sockets' linger).
		case err := <-failed:
			fmt.Println()
			p.Check(err)
		}
	}
}
