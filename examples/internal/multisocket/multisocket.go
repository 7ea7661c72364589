// Package multisocket is the zguide's reading from several sockets
// (msreader, mspoller) as actors: one application actor owns two socket
// actors, a PULL connected to the ventilator and a SUB connected to the
// weather server, and receives what both receive, as messages in its one
// mailbox. The two programs differ only in the order in which the actor
// handles them (Run's prioritised).
package multisocket

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The names of the reader's sockets, which tell it where a message came
// from.
const (
	receiverName   = "receiver"
	subscriberName = "subscriber"
)

// reader handles the tasks and weather updates its two socket actors
// deliver. It tells main through channels, without ever blocking, when it
// is ready, when it reached its limits, and when a socket failed.
type reader struct {
	name        string
	out         io.Writer      // where it prints what it handled: stdout
	props       []*actor.Props // receiver's and subscriber's, spawned as its children
	prioritised bool

	// A prioritised reader's messages of the current round, kept until
	// the round's end.
	tasks, updates [][][]byte
	inRound        bool

	started              int
	nTasks, nUpdates     int
	maxTasks, maxUpdates int
	ready                chan<- string
	finished             chan<- struct{}
	failed               chan<- error
}

// endOfRound is the prioritised reader's own message, queued behind the
// messages its sockets delivered when a round began.
type endOfRound struct{}

func (r *reader) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		for _, props := range r.props {
			ctx.Spawn(props)
		}
	case *messages.Started:
		r.started++
		if r.started == len(r.props) && m.Restarts == 0 {
			cli.Notify(r.ready, "reader ready")
		}
	case *messages.Received:
		r.received(ctx, m)
	case endOfRound:
		r.inRound = false
		// What the zguide's loop does each time round: every task
		// waiting first, then every weather update waiting.
		for _, f := range r.tasks {
			r.task(f)
		}
		for _, f := range r.updates {
			r.update(f)
		}
		r.tasks, r.updates = r.tasks[:0], r.updates[:0]
	case *messages.Error, *messages.Closed:
		cli.NotifyFailure(r.failed, m)
	}
}

// received handles a message from either socket: at once for a fair
// reader; for a prioritised one, at the end of the round, which the first
// message of a round starts.
func (r *reader) received(ctx actor.Context, m *messages.Received) {
	isTask := m.Socket == receiverName
	if !r.prioritised {
		if isTask {
			r.task(m.Frames)
		} else {
			r.update(m.Frames)
		}
		return
	}
	if isTask {
		r.tasks = append(r.tasks, m.Frames)
	} else {
		r.updates = append(r.updates, m.Frames)
	}
	if !r.inRound {
		// The round is what is in the mailbox now: endOfRound comes
		// after it, and what arrives later waits for the next round.
		r.inRound = true
		ctx.Send(ctx.Self(), endOfRound{})
	}
}

// task processes one workload, a decimal number of milliseconds in one
// frame, by printing it: the zguide's reader does no work either. A
// malformed one is reported on stderr and not counted.
func (r *reader) task(frames [][]byte) {
	if r.done() {
		return
	}
	if len(frames) != 1 {
		fmt.Fprintf(os.Stderr, "%s: bad task: %d frames, want 1\n", r.name, len(frames))
		return
	}
	if ms, err := strconv.Atoi(string(frames[0])); err != nil || ms < 0 {
		fmt.Fprintf(os.Stderr, "%s: bad task %q: want a number of milliseconds\n", r.name, frames[0])
		return
	}
	r.nTasks++
	fmt.Fprintf(r.out, "task: %s\n", frames[0])
	r.checkDone()
}

// update processes one weather update, one frame "ZIPCODE TEMPERATURE
// RELHUMIDITY", by printing it. A malformed one is reported on stderr and
// not counted.
func (r *reader) update(frames [][]byte) {
	if r.done() {
		return
	}
	if len(frames) != 1 || len(bytes.Fields(frames[0])) != 3 {
		fmt.Fprintf(os.Stderr, "%s: bad weather update %q: want one frame \"ZIPCODE TEMPERATURE RELHUMIDITY\"\n", r.name, frames)
		return
	}
	r.nUpdates++
	fmt.Fprintf(r.out, "update: %s\n", frames[0])
	r.checkDone()
}

// done reports whether the reader reached its limits; it then handles no
// more messages.
func (r *reader) done() bool {
	if r.maxTasks == 0 && r.maxUpdates == 0 {
		return false
	}
	return r.nTasks >= r.maxTasks && r.nUpdates >= r.maxUpdates
}

func (r *reader) checkDone() {
	if r.done() {
		cli.Notify(r.finished, struct{}{})
	}
}

// Run runs the reader program name: it defines and parses its command line
// (-vent, -weather, -filter, -tasks, -updates), spawns the reader actor
// with its two socket actors and prints "task: WORKLOAD" and "update:
// UPDATE" as it handles them, in the order prioritised says: tasks before
// updates in each round, or each message as it came. It runs until SIGINT
// or SIGTERM, or until it handled -tasks tasks and -updates updates (when
// either is set), and exits 0; 1 on a failure, 2 on a command line it
// cannot take.
func Run(name string, prioritised bool) {
	vent := flag.String("vent", "tcp://localhost:5557", "endpoint of the ventilator (taskvent)")
	weather := flag.String("weather", "tcp://localhost:5556", "endpoint of the weather server (wuserver)")
	filter := flag.String("filter", "10001 ", "weather updates to subscribe to: a zipcode prefix")
	tasks := flag.Int("tasks", 0, "stop after this many tasks (and -updates updates; both 0: run until interrupted)")
	updates := flag.Int("updates", 0, "stop after this many weather updates (and -tasks tasks)")
	flag.Parse()
	cli.UsageIf(*tasks < 0 || *updates < 0 || flag.NArg() > 0, name+": -tasks and -updates must be >= 0, and no arguments")

	p := cli.Start(name)
	defer p.Close()

	ready := make(chan string, 1)
	finished := make(chan struct{}, 1)
	failed := make(chan error, 1)
	r := &reader{name: name, out: os.Stdout, prioritised: prioritised, maxTasks: *tasks, maxUpdates: *updates,
		ready: ready, finished: finished, failed: failed}
	for _, spec := range []sockets.Spec{
		{Name: receiverName, Type: sockets.Pull, Connects: []string{*vent}},
		// Subscribed in its spec, the SUB socket actor delivers every
		// update to its owner, the reader. No linger: a SUB sends only
		// its subscription.
		{Name: subscriberName, Type: sockets.Sub, Connects: []string{*weather},
			Options: []sockets.Option{sockets.Subscribe([]byte(*filter)), sockets.Linger(0)}},
	} {
		props, err := p.Z.Props(spec)
		p.Check(err)
		r.props = append(r.props, props)
	}
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return r }))

	for {
		select {
		case <-p.Ctx.Done():
			return // Close (deferred) stops the socket actors and the context.
		case line := <-ready:
			fmt.Println(line)
		case <-finished:
			return
		case err := <-failed:
			p.Check(err)
		}
	}
}
