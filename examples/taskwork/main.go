// Taskwork is the zguide's task worker (taskwork): it pulls workloads from
// the ventilator at tcp://localhost:5557, does each one (sleeps that many
// milliseconds, one task at a time) and pushes an empty result to the sink
// at tcp://localhost:5558. It runs until SIGINT or SIGTERM.
//
// The worker is an actor that owns its two socket actors as children.
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

// worker does one task at a time; the others wait in order.
type worker struct {
	receiver, sender *actor.Props
	toSink           *actor.PID
	tasks            []int
	busy             bool
	done, limit      int
	finished         chan<- struct{}
	failed           chan<- error
}

// taskDone is the worker's own timer message: the current task is done.
type taskDone struct{}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(w.receiver)
		w.toSink = ctx.Spawn(w.sender)
	case *messages.Received:
		ms, err := strconv.Atoi(string(m.Frames[0]))
		if err != nil || ms < 0 {
			w.failed <- fmt.Errorf("bad workload %q", m.Frames[0])
			return
		}
		w.tasks = append(w.tasks, ms)
		w.next(ctx)
	case taskDone:
		w.busy = false
		ctx.Send(w.toSink, &messages.Send{Frames: [][]byte{{}}}) // the result: an empty message
		w.done++
		if w.limit > 0 && w.done == w.limit {
			w.finished <- struct{}{}
			return
		}
		w.next(ctx)
	case *messages.Error:
		w.failed <- fmt.Errorf("%s: %s", m.Socket, m.Message)
	case *messages.Closed:
		if m.Error != nil {
			w.failed <- fmt.Errorf("%s closed: %s", m.Socket, m.Error.Message)
		}
	}
}

func (w *worker) next(ctx actor.Context) {
	if w.busy || len(w.tasks) == 0 {
		return
	}
	ms := w.tasks[0]
	w.tasks = w.tasks[1:]
	w.busy = true
	fmt.Print(".")
	// Never block in Receive: the timer tells the worker when the task is done.
	self, root := ctx.Self(), ctx.ActorSystem().Root
	time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { root.Send(self, taskDone{}) })
}

func main() {
	vent := flag.String("vent", "tcp://localhost:5557", "endpoint of the ventilator")
	sink := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	n := flag.Int("n", 0, "stop after this many tasks (0: run until interrupted)")
	flag.Parse()

	p := cli.Start("taskwork")
	defer p.Close()

	receiver, err := p.Z.Props(sockets.Spec{Name: "receiver", Type: sockets.Pull, Connects: []string{*vent}})
	p.Check(err)
	sender, err := p.Z.Props(sockets.Spec{Name: "sender", Type: sockets.Push, Connects: []string{*sink}})
	p.Check(err)
	finished := make(chan struct{}, 1)
	failed := make(chan error, 1)
	w := &worker{receiver: receiver, sender: sender, limit: *n, finished: finished, failed: failed}
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return w }))
	fmt.Println("worker ready")

	select {
	case <-p.Ctx.Done():
	case <-finished:
	case err := <-failed:
		p.Check(err)
	}
	fmt.Println()
	// Close (deferred) stops the worker's socket actors and the context.
}
