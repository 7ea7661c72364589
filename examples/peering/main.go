// Peering is the zguide's cluster of brokers (peering1, peering2 and
// peering3 in one program): each broker of the cluster runs as
//
//	peering SELF PEER...
//
// with its own name first and the names of the other brokers after it, and
// talks to them over ipc endpoints named after them in the current
// directory, as the zguide's do:
//
//	ipc://SELF-localfe.ipc  ROUTER, bound: the broker's clients (REQ)
//	ipc://SELF-localbe.ipc  ROUTER, bound: the broker's workers (REQ)
//	ipc://SELF-cloud.ipc    ROUTER with routing id SELF, bound: the peers' requests
//	(each peer's cloud)     ROUTER with routing id SELF, connected: requests to the peers
//	ipc://SELF-state.ipc    PUB, bound: the broker's state, [SELF, free workers]
//	(each peer's state)     SUB to everything, connected: the peers' states
//	ipc://SELF-monitor.ipc  PULL, bound: the clients' reports, printed
//
// The state flow (peering1): each broker publishes how many of its workers
// are free, when that changes and every -state (1s), and prints the state of
// each peer it hears:
//
//	B - 2 workers free
//
// The task flow (peering2, peering3): -workers (5) workers announce
// themselves on the broker's localbe with READY ("\x01") and echo each
// task after a random pause of up to -work (2s, the zguide's 0 or 1 s);
// -clients (10) clients send bursts of 0 to 14 tasks, one at a time, each a
// random id such as "1A2B", with a random pause of up to -pause (5s) between
// bursts, and push each reply to the monitor, which the broker prints; a
// client whose task is not answered within 10 s pushes
// "E: CLIENT EXIT - lost task 1A2B" and stops. The broker hands a task to a
// free worker of its own, a peer's task first ([peer, client, "", task] on
// the cloud frontend), and when it has none, it sends its clients' tasks
// through the cloud backend, [peer, client, "", task], to a random peer
// among those whose last state said they have free workers (the zguide's
// peering3 keeps one count, the last any peer said). A reply goes back the
// way its task came: to the peer when its first frame names one, else to
// the client. The cloud backend is router_mandatory: a task for a peer it
// is not connected to yet is reported on stderr, not lost without a word
// (its client reports it lost after 10 s).
//
// The broker is an actor that owns its seven socket actors; each client
// and worker is an actor that owns its sockets. Nobody waits: the broker
// queues the tasks it cannot route yet (up to 1,000 from each side, more
// are reported on stderr and dropped), and pauses are timers. The broker
// prints "I: broker SELF ready" once all its sockets are open. With -tasks
// N each client stops after N tasks, and the program ends (exit 0) once
// every client is done; otherwise it runs until SIGINT or SIGTERM. Either
// way it ends printing what it did:
//
//	Clients: 20 tasks answered, 0 lost
//	A: routed 0 tasks to local workers (0 from peers), 20 to the cloud
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// ready is what a worker says first, as in the zguide's peering2 and 3.
var ready = []byte{1}

// maxQueued bounds each of the broker's queues of tasks that wait for a
// worker: its clients' and its peers'.
const maxQueued = 1000

// clientTimeout is how long a client waits for each reply, as in the zguide.
const clientTimeout = 10 * time.Second

// endpoint returns the ipc endpoint of broker name's socket kind.
func endpoint(name, kind string) string { return "ipc://" + name + "-" + kind + ".ipc" }

// counts is what a broker did, for its summary.
type counts struct{ local, fromPeers, cloud int }

// broker routes tasks between its clients, its workers and its peers.
type broker struct {
	self     string
	peers    []string
	interval time.Duration
	props    map[string]*actor.Props
	sockets  map[string]*actor.PID
	started  int

	workers      [][]byte       // free workers, longest free first
	local, cloud [][][]byte     // tasks waiting: from the clients, from the peers
	capacity     map[string]int // free workers of each peer, as it last said
	published    int            // the capacity last published, -1 before any
	timer        *time.Timer
	closed       bool // a socket closed: no more publishing
	routed       counts
	readyC       chan<- struct{}
	summary      chan<- counts
	failed       chan<- error
}

// stateTick is the broker's timer message: time to publish its state.
type stateTick struct{}

// summarize asks the broker for its counts.
type summarize struct{}

func (b *broker) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		b.sockets = map[string]*actor.PID{}
		b.capacity = map[string]int{}
		b.published = -1
		for name, props := range b.props {
			b.sockets[name] = ctx.Spawn(props)
		}
	case *actor.Stopping:
		if b.timer != nil {
			b.timer.Stop()
		}
	case *messages.Started:
		if m.Restarts == 0 {
			b.started++
			if b.started == len(b.props) {
				cli.Notify(b.readyC, struct{}{})
				b.publish(ctx)
			}
		}
	case stateTick:
		b.publish(ctx)
	case summarize:
		cli.Notify(b.summary, b.routed)
	case *messages.Received:
		b.received(ctx, m)
		b.route(ctx)
		if len(b.workers) != b.published {
			b.publish(ctx)
		}
	case *messages.Error:
		// One message that failed (a reply to a peer or client that is
		// gone): reported, and the broker goes on.
		fmt.Fprintf(os.Stderr, "%s: %v\n", b.self, sockets.ErrorFromProto(m))
	case *messages.Closed:
		// A socket closed: the program is ending, and a timer's message
		// would go to a stopped socket actor as a dead letter.
		stopTimer(&b.closed, b.timer)
		cli.NotifyFailure(b.failed, m)
	}
}

// received takes one message of one of the broker's sockets.
func (b *broker) received(ctx actor.Context, m *messages.Received) {
	f := m.Frames
	bad := func(want string) {
		fmt.Fprintf(os.Stderr, "%s: %s: a message is %s; got %d frames, dropped\n", b.self, m.Socket, want, len(f))
	}
	switch m.Socket {
	case "localbe": // [worker, "", READY] or [worker, "", reply...]
		if len(f) < 3 || len(f[1]) != 0 {
			bad(`[worker, "", READY or reply...]`)
			return
		}
		b.workers = append(b.workers, f[0])
		if len(f) == 3 && bytes.Equal(f[2], ready) {
			return
		}
		b.reply(ctx, f[2:])
	case "cloudbe": // [peer, reply...]
		if len(f) < 2 {
			bad("[peer, reply...]")
			return
		}
		b.reply(ctx, f[1:])
	case "localfe": // [client, "", task...]
		if len(f) < 3 || len(f[1]) != 0 {
			bad(`[client, "", task...]`)
			return
		}
		b.local = b.queue(b.local, f, m.Socket)
	case "cloudfe": // [peer, client, "", task...]
		if len(f) < 4 {
			bad(`[peer, client, "", task...]`)
			return
		}
		b.cloud = b.queue(b.cloud, f, m.Socket)
	case "statefe": // [peer, free workers]
		n, err := 0, error(nil)
		if len(f) == 2 {
			n, err = strconv.Atoi(string(f[1]))
		}
		if len(f) != 2 || err != nil || n < 0 || !slices.Contains(b.peers, string(f[0])) {
			bad("[peer, free workers]")
			return
		}
		fmt.Printf("%s - %d workers free\n", f[0], n)
		b.capacity[string(f[0])] = n
	case "monitor":
		fmt.Println(string(bytes.Join(f, []byte(" "))))
	}
}

// queue appends task to q unless q is full.
func (b *broker) queue(q [][][]byte, task [][]byte, from string) [][][]byte {
	if len(q) >= maxQueued {
		fmt.Fprintf(os.Stderr, "%s: %s: %d tasks wait already; this one is dropped\n", b.self, from, len(q))
		return q
	}
	return append(q, task)
}

// reply sends a reply on: to a peer when its first frame names one, else
// to the client.
func (b *broker) reply(ctx actor.Context, r [][]byte) {
	to := "localfe"
	if slices.Contains(b.peers, string(r[0])) {
		to = "cloudfe"
	}
	ctx.Send(b.sockets[to], &messages.Send{Frames: r})
}

// route hands out as many waiting tasks as it can: to free workers, the
// peers' first, then the clients' to the cloud while a peer has capacity.
func (b *broker) route(ctx actor.Context) {
	for len(b.workers) > 0 && len(b.cloud)+len(b.local) > 0 {
		var task [][]byte
		if len(b.cloud) > 0 {
			task, b.cloud = b.cloud[0], b.cloud[1:]
			b.routed.fromPeers++
		} else {
			task, b.local = b.local[0], b.local[1:]
		}
		worker := b.workers[0]
		b.workers = b.workers[1:]
		ctx.Send(b.sockets["localbe"], &messages.Send{Frames: append([][]byte{worker, {}}, task...)})
		b.routed.local++
	}
	if len(b.local) == 0 {
		return
	}
	var able []string // the peers that said they have free workers
	for _, peer := range b.peers {
		if b.capacity[peer] > 0 {
			able = append(able, peer)
		}
	}
	for len(able) > 0 && len(b.local) > 0 {
		task := b.local[0]
		b.local = b.local[1:]
		peer := able[rand.IntN(len(able))]
		ctx.Send(b.sockets["cloudbe"], &messages.Send{Frames: append([][]byte{[]byte(peer)}, task...)})
		b.routed.cloud++
	}
}

// publish sends the broker's state, [self, free workers], and sets the
// timer for the next.
func (b *broker) publish(ctx actor.Context) {
	if b.closed {
		return
	}
	b.published = len(b.workers)
	ctx.Send(b.sockets["statebe"], &messages.Send{Frames: [][]byte{[]byte(b.self), []byte(strconv.Itoa(b.published))}})
	if b.timer != nil {
		b.timer.Stop()
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	b.timer = time.AfterFunc(b.interval, func() { root.Send(self, stateTick{}) })
}

// worker echoes each task after a random pause.
type worker struct {
	props  *actor.Props
	socket *actor.PID
	work   time.Duration
	timer  *time.Timer
	closed bool // its socket closed: no more asking
	failed chan<- error
}

// echo is a worker's timer message: its task is done.
type echo struct{ frames [][]byte }

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
			w.ask(ctx, [][]byte{ready})
		}
	case *messages.Reply: // a task: [envelope..., "", task]
		self, root := ctx.Self(), ctx.ActorSystem().Root
		frames := m.Frames
		w.timer = time.AfterFunc(rand.N(w.work+1), func() { root.Send(self, echo{frames}) })
	case echo:
		w.timer = nil
		if !w.closed {
			w.ask(ctx, m.frames)
		}
	case *messages.Error:
		cli.Notify(w.failed, sockets.ErrorFromProto(m))
	case *messages.Closed:
		// A socket closed: the program is ending, and a timer's message
		// would go to a stopped socket actor as a dead letter.
		stopTimer(&w.closed, w.timer)
		cli.NotifyFailure(w.failed, m)
	}
}

// stopTimer notes that a socket closed and stops t, if any.
func stopTimer(closed *bool, t *time.Timer) {
	*closed = true
	if t != nil {
		t.Stop()
	}
}

// ask sends frames and takes the next task as the answer, however long it
// takes to come.
func (w *worker) ask(ctx actor.Context, frames [][]byte) {
	ctx.Request(w.socket, &messages.Request{Frames: frames, NoTimeout: true})
}

// clientResult is what a client did: tasks answered, and whether it lost one.
type clientResult struct {
	answered int
	lost     bool
}

// client sends bursts of tasks, one at a time, and reports each reply to
// the monitor.
type client struct {
	reqProps, pushProps *actor.Props
	req, push           *actor.PID
	started             int
	pause               time.Duration
	tasks               int // 0: no end
	burst               int // tasks left in this burst
	task                []byte
	answered            int
	timer               *time.Timer
	closed              bool                // a socket closed: no more tasks
	done                chan<- clientResult // with room for every client
	failed              chan<- error
}

// nextBurst is a client's timer message: its pause is over.
type nextBurst struct{}

func (c *client) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		c.req = ctx.Spawn(c.reqProps)
		c.push = ctx.Spawn(c.pushProps)
	case *actor.Stopping:
		if c.timer != nil {
			c.timer.Stop()
		}
	case *messages.Started:
		if m.Restarts == 0 {
			if c.started++; c.started == 2 {
				c.wait(ctx)
			}
		}
	case nextBurst:
		c.timer = nil
		if c.closed {
			return
		}
		c.burst = rand.IntN(15)
		c.next(ctx)
	case *messages.Reply:
		if len(m.Frames) != 1 || !bytes.Equal(m.Frames[0], c.task) {
			cli.Notify(c.failed, fmt.Errorf("client: task %s answered with %q", c.task, m.Frames))
			return
		}
		ctx.Send(c.push, &messages.Send{Frames: [][]byte{c.task}})
		c.answered++
		c.next(ctx)
	case *messages.Error:
		err := sockets.ErrorFromProto(m)
		if errors.Is(err, actors.ErrRequestTimeout) {
			ctx.Send(c.push, &messages.Send{Frames: [][]byte{fmt.Appendf(nil, "E: CLIENT EXIT - lost task %s", c.task)}})
			c.done <- clientResult{answered: c.answered, lost: true}
			return
		}
		cli.Notify(c.failed, err)
	case *messages.Closed:
		// A socket closed: the program is ending, and a timer's message
		// would go to a stopped socket actor as a dead letter.
		stopTimer(&c.closed, c.timer)
		cli.NotifyFailure(c.failed, m)
	}
}

// next sends the next task of the burst, or pauses after the last; a
// client with a limit reports once it reached it.
func (c *client) next(ctx actor.Context) {
	if c.tasks > 0 && c.answered == c.tasks {
		c.done <- clientResult{answered: c.answered}
		return
	}
	if c.burst == 0 {
		c.wait(ctx)
		return
	}
	c.burst--
	c.task = fmt.Appendf(nil, "%04X", rand.IntN(0x10000))
	ctx.Request(c.req, &messages.Request{Frames: [][]byte{c.task}, Timeout: durationpb.New(clientTimeout)})
}

// wait pauses before the next burst.
func (c *client) wait(ctx actor.Context) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	c.timer = time.AfterFunc(rand.N(c.pause+1), func() { root.Send(self, nextBurst{}) })
}

func main() {
	clients := flag.Int("clients", 10, "number of clients of this broker")
	workers := flag.Int("workers", 5, "number of workers of this broker")
	tasks := flag.Int("tasks", 0, "tasks each client sends before it stops; the program ends when all are done (0: no end)")
	pause := flag.Duration("pause", 5*time.Second, "longest pause of a client between bursts")
	work := flag.Duration("work", 2*time.Second, "longest pause of a worker before it echoes a task")
	state := flag.Duration("state", time.Second, "interval between two publications of the broker's state")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: peering [flags] SELF PEER...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	names := flag.Args()
	cli.UsageIf(len(names) < 2, "peering: the broker's name and at least one peer's")
	for i, n := range names {
		cli.UsageIf(n == "" || strings.ContainsAny(n, "/\x00") || slices.Index(names, n) != i,
			fmt.Sprintf("peering: %q: broker names are distinct, not empty, without '/'", n))
	}
	cli.UsageIf(*clients < 0 || *workers < 0 || *tasks < 0 || *pause < 0 || *work < 0 || *state <= 0 || *tasks > 0 && *clients == 0,
		"peering: -clients, -workers, -tasks, -pause and -work must be >= 0, -state > 0, and -tasks needs clients")
	self, peers := names[0], names[1:]

	p := cli.Start("peering")
	defer p.Close()

	var peerClouds, peerStates []string
	for _, peer := range peers {
		peerClouds = append(peerClouds, endpoint(peer, "cloud"))
		peerStates = append(peerStates, endpoint(peer, "state"))
	}
	id := []sockets.Option{sockets.RoutingID([]byte(self))}
	specs := []sockets.Spec{
		{Name: "localfe", Type: sockets.Router, Binds: []string{endpoint(self, "localfe")}},
		{Name: "localbe", Type: sockets.Router, Binds: []string{endpoint(self, "localbe")}},
		{Name: "cloudfe", Type: sockets.Router, Binds: []string{endpoint(self, "cloud")}, Options: id},
		{Name: "cloudbe", Type: sockets.Router, Connects: peerClouds, Options: append(id, sockets.RouterMandatory(true))},
		{Name: "statebe", Type: sockets.Pub, Binds: []string{endpoint(self, "state")}},
		{Name: "statefe", Type: sockets.Sub, Connects: peerStates, Options: []sockets.Option{sockets.Subscribe(nil)}},
		{Name: "monitor", Type: sockets.Pull, Binds: []string{endpoint(self, "monitor")}},
	}
	props := map[string]*actor.Props{}
	for _, s := range specs {
		pr, err := p.Z.Props(s)
		p.Check(err)
		props[s.Name] = pr
	}
	readyC := make(chan struct{}, 1)
	summary := make(chan counts, 1)
	failed := make(chan error, 1)
	b := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &broker{self: self, peers: peers, interval: *state, props: props, readyC: readyC, summary: summary, failed: failed}
	}))
	if _, ok := cli.Await(p, readyC); !ok {
		return
	}
	fmt.Printf("I: broker %s ready\n", self)

	for i := range *workers {
		pr, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("worker-%d", i), Type: sockets.Req, Connects: []string{endpoint(self, "localbe")}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &worker{props: pr, work: *work, failed: failed} }))
	}
	done := make(chan clientResult, *clients)
	for i := range *clients {
		req, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("client-%d", i), Type: sockets.Req, Connects: []string{endpoint(self, "localfe")}})
		p.Check(err)
		push, err := p.Z.Props(sockets.Spec{Name: fmt.Sprintf("client-%d-monitor", i), Type: sockets.Push, Connects: []string{endpoint(self, "monitor")}})
		p.Check(err)
		p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
			return &client{reqProps: req, pushProps: push, pause: *pause, tasks: *tasks, done: done, failed: failed}
		}))
	}

	answered, lost, left := 0, 0, *clients
loop:
	for *tasks == 0 || left > 0 {
		select {
		case <-p.Ctx.Done():
			break loop
		case r := <-done:
			answered += r.answered
			if r.lost {
				lost++
			}
			left--
		case err := <-failed:
			p.Check(err)
		}
	}
	fmt.Printf("Clients: %d tasks answered, %d lost\n", answered, lost)
	p.System.Root.Send(b, summarize{})
	select {
	case c := <-summary:
		fmt.Printf("%s: routed %d tasks to local workers (%d from peers), %d to the cloud\n", self, c.local, c.fromPeers, c.cloud)
	case <-time.After(cli.ShutdownTimeout):
		fmt.Fprintf(os.Stderr, "peering: the broker did not say what it did within %v\n", cli.ShutdownTimeout)
	}
}
