// Package pipeline is the zguide's divide-and-conquer pipeline as actors,
// shared by the programs that speak it: the worker of taskwork and
// taskwork2 (Work), the sink of tasksink and tasksink2 (Collect). The
// second versions add the zguide's kill signal: the sink publishes "KILL"
// once the batch is done, and the workers, subscribed to it, exit. The
// programs differ only in that and in their names.
package pipeline

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

// The names of a worker's sockets, which tell it where a message came
// from.
const (
	receiverName   = "receiver"
	senderName     = "sender"
	controllerName = "controller"
)

// worker does one task at a time; the others wait in order. It tells main
// through channels, without ever blocking, when it is ready, when it did
// its limit of tasks, when the sink told it to stop, and when something
// failed.
type worker struct {
	props    []*actor.Props // its socket actors', spawned as its children
	receiver *actor.PID
	sender   *actor.PID
	started  int
	tasks    []int
	timer    *time.Timer
	done     int
	limit    int
	stopping bool
	ready    chan<- string
	finished chan<- string
	failed   chan<- error
}

// taskDone is the worker's own timer message: the current task is done.
type taskDone struct{}

func (w *worker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		pids := make([]*actor.PID, len(w.props))
		for i, props := range w.props {
			pids[i] = ctx.Spawn(props)
		}
		w.receiver, w.sender = pids[0], pids[1]
	case *actor.Stopping:
		if w.timer != nil {
			w.timer.Stop()
		}
	case *messages.Started:
		w.started++
		if w.started == len(w.props) && m.Restarts == 0 {
			cli.Notify(w.ready, "worker ready")
		}
	case *messages.Received:
		if m.Socket == controllerName {
			// The zguide's worker stops on any message of its
			// controller, "KILL" being the only one the sink sends.
			w.stop(fmt.Sprintf("killed by the sink (%q)", m.Frames))
			return
		}
		w.workload(ctx, m)
	case taskDone:
		w.timer = nil
		if w.stopping {
			return
		}
		// The result: an empty message. Its failure, if any, comes back
		// as a *messages.Error.
		ctx.Send(w.sender, &messages.Send{Frames: [][]byte{{}}})
		w.done++
		if w.limit > 0 && w.done == w.limit {
			w.stop(fmt.Sprintf("did %d tasks", w.done))
			return
		}
		w.next(ctx)
	case *messages.Error, *messages.Closed:
		cli.NotifyFailure(w.failed, m)
	}
}

// workload queues the task of one workload, a decimal number of
// milliseconds in one frame.
func (w *worker) workload(ctx actor.Context, m *messages.Received) {
	if w.stopping {
		return
	}
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
}

// stop does no more tasks and tells main why: the first reason wins.
func (w *worker) stop(why string) {
	w.stopping = true
	cli.Notify(w.finished, why)
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

// Work runs the worker program name: it defines and parses its command
// line (-vent, -sink, -n, and with kill -controller), then pulls
// workloads, does them and pushes their results until SIGINT or SIGTERM,
// until it did -n tasks, or, with kill, until the sink's controller
// publishes a message. It exits 0 then, 1 on a failure, 2 on a command
// line it cannot take.
func Work(name string, kill bool) {
	vent := flag.String("vent", "tcp://localhost:5557", "endpoint of the ventilator")
	sink := flag.String("sink", "tcp://localhost:5558", "endpoint of the sink")
	var controller *string
	if kill {
		controller = flag.String("controller", "tcp://localhost:5559", "endpoint of the sink's kill signal (PUB)")
	}
	n := flag.Int("n", 0, "stop after this many tasks (0: run until interrupted or killed)")
	flag.Parse()
	cli.UsageIf(*n < 0 || flag.NArg() > 0, name+": -n must be >= 0, and no arguments")

	p := cli.Start(name)
	defer p.Close()

	specs := []sockets.Spec{
		{Name: receiverName, Type: sockets.Pull, Connects: []string{*vent}},
		{Name: senderName, Type: sockets.Push, Connects: []string{*sink}},
	}
	if kill {
		// Subscribed to everything, as the zguide's worker is: its
		// socket actor delivers every message to its owner, the worker.
		// No linger: a SUB sends only its subscription.
		specs = append(specs, sockets.Spec{Name: controllerName, Type: sockets.Sub, Connects: []string{*controller},
			Options: []sockets.Option{sockets.Subscribe(nil), sockets.Linger(0)}})
	}
	ready := make(chan string, 1)
	finished := make(chan string, 1)
	failed := make(chan error, 1)
	w := &worker{limit: *n, ready: ready, finished: finished, failed: failed}
	for _, spec := range specs {
		props, err := p.Z.Props(spec)
		p.Check(err)
		w.props = append(w.props, props)
	}
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return w }))

	for {
		select {
		case <-p.Ctx.Done():
			fmt.Println()
			return // Close (deferred) stops the socket actors and the context.
		case line := <-ready:
			fmt.Println(line)
		case why := <-finished:
			fmt.Printf("\n%s\n", why)
			return // Close lets the last results out (the sockets' linger).
		case err := <-failed:
			fmt.Println()
			p.Check(err)
		}
	}
}
