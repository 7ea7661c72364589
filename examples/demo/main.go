// Demo shows socket actors at work: a PUSH/PULL pipeline over tcp into a
// consumer actor, a PAIR ping-pong between two actors over inproc, the
// errors that bad input gets, publish/subscribe between actors with topic
// prefixes and typed protobuf messages, request/reply from asking actors
// through a DEALER client to a ROUTER server with a pool of handler actors
// (replies out of order, a timeout with retries), and a supervised socket
// actor that fails and comes back. Each section closes the sockets it
// opened, in an order that leaves protoactor no dead letter (a socket
// before its owner, an actor a socket watches before the socket), and the
// demo then shuts down. `make demo` runs it;
// ZMQACTOR_LOG=info shows protoactor's own log on stderr: "actor system
// started" and the "[ACTOR] Recovering" of the one fault the demo injects.
//
// The actors report to main through buffered channels and never wait for
// it: a report that does not fit is a demo bug, reported as a problem.
package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// maxFrame is the largest frame each socket the demo binds on tcp takes
// (sockets.MaxMessageSize): its messages are words, numbers and small
// protobuf messages, and whoever else reaches one of its ports is
// disconnected on a larger frame instead of being held.
const maxFrame = 1 << 10

// bounded returns opts with the limit of a socket the demo binds on tcp.
func bounded(opts ...sockets.Option) []sockets.Option {
	return append(opts, sockets.MaxMessageSize(maxFrame))
}

// report sends v on c, or a problem if c is full: an actor never waits for
// main.
func report[T any](c chan<- T, v T, problems chan<- error) {
	select {
	case c <- v:
	default:
		select {
		case problems <- fmt.Errorf("demo: report channel full, dropped %v", v):
		default:
		}
	}
}

// consumer owns a PULL socket actor (its child) and counts the two-frame
// messages ["task", N] that arrive, checking that N comes in order.
type consumer struct {
	props    *actor.Props
	want     int
	got      int
	bound    chan<- string
	done     chan<- int
	problems chan<- error
}

func (c *consumer) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(c.props)
	case *messages.Started:
		fmt.Printf("consumer: %s socket %q started, bound to %v\n", sockets.Type(m.Type), m.Socket, m.Bound)
		report(c.bound, m.Bound[0], c.problems)
	case *messages.Received:
		c.got++
		if len(m.Frames) != 2 || string(m.Frames[0]) != "task" || string(m.Frames[1]) != strconv.Itoa(c.got) {
			report(c.problems, fmt.Errorf("consumer: message %d is %q, want [task %d]", c.got, m.Frames, c.got), c.problems)
			return
		}
		if c.got <= 3 || c.got == c.want {
			fmt.Printf("consumer: message %d: %q\n", c.got, m.Frames)
		}
		if c.got == c.want {
			report(c.done, c.got, c.problems)
		}
	case *messages.Error:
		report(c.problems, sockets.ErrorFromProto(m), c.problems)
	}
}

// player owns a PAIR socket actor and returns each ball ["ball", N] it
// receives as ["ball", N+1], until N reaches rounds.
type player struct {
	name     string
	props    *actor.Props
	serve    bool
	rounds   int
	sock     *actor.PID
	done     chan<- string
	problems chan<- error
}

func (p *player) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.sock = ctx.Spawn(p.props)
	case *messages.Started:
		fmt.Printf("%s: PAIR socket started (bound %v, connected %v)\n", p.name, m.Bound, m.Connected)
		if p.serve {
			// Commands go to the socket actor's PID.
			ctx.Send(p.sock, &messages.Send{Frames: [][]byte{[]byte("ball"), []byte("1")}})
		}
	case *messages.Received:
		if len(m.Frames) != 2 || string(m.Frames[0]) != "ball" {
			report(p.problems, fmt.Errorf("%s: got %q, want [ball N]", p.name, m.Frames), p.problems)
			return
		}
		n, err := strconv.Atoi(string(m.Frames[1]))
		if err != nil {
			report(p.problems, fmt.Errorf("%s: bad ball number: %w", p.name, err), p.problems)
			return
		}
		fmt.Printf("%s: got ball %d\n", p.name, n)
		if n >= p.rounds {
			report(p.done, p.name, p.problems)
			return
		}
		// The socket actor is the sender of what it delivers: answer it.
		ctx.Send(ctx.Sender(), &messages.Send{Frames: [][]byte{[]byte("ball"), []byte(strconv.Itoa(n + 1))}})
	case *messages.Error:
		report(p.problems, sockets.ErrorFromProto(m), p.problems)
	}
}

// await returns the next value of c, or stops the demo with an error if a
// problem is reported or ctx ends first.
func await[T any](ctx context.Context, p *cli.Program, c <-chan T, problems <-chan error) T {
	select {
	case v := <-c:
		return v
	case err := <-problems:
		p.Check(err)
	case <-ctx.Done():
		p.Check(fmt.Errorf("demo: %w", ctx.Err()))
	}
	var zero T
	return zero
}

func main() {
	p := cli.Start("demo")
	ctx, cancel := context.WithTimeout(p.Ctx, 20*time.Second)
	defer cancel()
	problems := make(chan error, 16)

	fmt.Println("== 1. PUSH -> PULL over tcp, into a consumer actor")
	pullProps, err := p.Z.Props(sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"},
		Options: bounded()})
	p.Check(err)
	const n = 1000
	bound, done := make(chan string, 1), make(chan int, 1)
	fmt.Printf("the consumer prints messages 1 to 3 and the last, %d; the others arrive the same way, in order\n", n)
	consumerPID := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &consumer{props: pullProps, want: n, bound: bound, done: done, problems: problems}
	}))
	endpoint := await(ctx, p, bound, problems)
	push, err := p.Z.Spawn(ctx, sockets.Spec{Name: "push", Type: sockets.Push, Connects: []string{endpoint}})
	p.Check(err)
	fmt.Printf("push: PUSH socket %q started, connected to %s\n", push.Name(), endpoint)
	start := time.Now()
	for i := 1; i <= n; i++ {
		p.Check(push.Send([]byte("task"), []byte(strconv.Itoa(i))))
	}
	got := await(ctx, p, done, problems)
	fmt.Printf("consumer: all %d messages arrived, in order, in %v\n", got, time.Since(start).Round(time.Millisecond))

	fmt.Println("\n== 2. PAIR <-> PAIR ping-pong over inproc between two actors")
	const rounds = 5
	ping, err := p.Z.Props(sockets.Spec{Name: "ping", Type: sockets.Pair, Binds: []string{"inproc://ping-pong"}})
	p.Check(err)
	pong, err := p.Z.Props(sockets.Spec{Name: "pong", Type: sockets.Pair, Connects: []string{"inproc://ping-pong"}})
	p.Check(err)
	finished := make(chan string, 2)
	pingPID := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &player{name: "ping", props: ping, rounds: rounds, done: finished, problems: problems}
	}))
	pongPID := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &player{name: "pong", props: pong, serve: true, rounds: rounds, done: finished, problems: problems}
	}))
	who := await(ctx, p, finished, problems)
	fmt.Printf("%s: rally over after %d rounds\n", who, rounds)
	for _, pid := range []*actor.PID{pingPID, pongPID} {
		p.Check(p.System.Root.StopFuture(pid).Wait()) // and with each its PAIR socket actor
	}

	fmt.Println("\n== 3. Bad input gets clear errors, and the sockets keep working")
	_, err = push.Bind(ctx, "tcp://no-such-host-name:x")
	fmt.Printf("bind to a bad endpoint:    %v (ErrBadEndpoint: %v)\n", err, errors.Is(err, actors.ErrBadEndpoint))
	err = push.SetOption(ctx, sockets.Subscribe([]byte("topic")))
	fmt.Printf("subscribe on a PUSH:       %v (ErrUnsupported: %v)\n", err, errors.Is(err, actors.ErrUnsupported))
	_, err = p.Z.Spawn(ctx, sockets.Spec{Type: 42})
	fmt.Printf("unknown socket type:       %v (ErrUnknownType: %v)\n", err, errors.Is(err, sockets.ErrUnknownType))
	_, err = push.SendWait(ctx, []byte("task"), []byte(strconv.Itoa(n+1)))
	p.Check(err)
	fmt.Printf("a good send afterwards:    ok\n")
	unsent, err := push.Close(ctx)
	p.Check(err)
	fmt.Printf("closed push (%d unsent)\n", unsent)
	err = push.Send([]byte("too late"))
	fmt.Printf("send after close:          %v (ErrClosed: %v)\n", err, errors.Is(err, actors.ErrClosed))
	// Stopping the consumer stops its child, the PULL socket actor.
	p.Check(p.System.Root.StopFuture(consumerPID).Wait())

	fmt.Println("\n== 4. Pub/sub between actors: topic prefixes, fan-out, typed protobuf messages")
	pubSubDemo(ctx, p, problems)

	fmt.Println("\n== 5. Request/reply between actors: a DEALER client, a ROUTER server, a pool of handlers")
	reqRepDemo(ctx, p, problems)

	fmt.Println("\n== 6. A supervised socket actor fails and comes back while traffic goes on")
	restartDemo(ctx, p, problems)

	fmt.Println("\n== 7. CURVE encryption, with the ZAP authenticator actor letting in only allowed keys")
	securityDemo(ctx, p)

	fmt.Printf("\nsocket actors still running: %d (expected 0: each section closed its sockets, or stopped the actors\n"+
		"that own them; Shutdown, next, would stop any left)\n", p.Z.Len())
	p.Close()
	fmt.Println("shutdown complete: every socket actor stopped, ZeroMQ context terminated")
}

// counter owns a supervised PULL socket actor and reports each Received,
// Restarting and Started to the demo through channels.
type counter struct {
	props      *actor.Props
	received   chan<- struct{}
	started    chan<- socketStarted
	restarting chan<- *messages.Restarting
	problems   chan<- error
}

// socketStarted is a Started event with the socket actor that sent it.
type socketStarted struct {
	*messages.Started
	pid *actor.PID
}

func (c *counter) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(c.props)
	case *messages.Started:
		report(c.started, socketStarted{m, ctx.Sender()}, c.problems)
	case *messages.Received:
		report(c.received, struct{}{}, c.problems)
	case *messages.Restarting:
		report(c.restarting, m, c.problems)
	}
}

func restartDemo(ctx context.Context, p *cli.Program, problems chan error) {
	strategy, err := supervision.OneForOne(supervision.WithMaxRestarts(3),
		supervision.WithBackoff(50*time.Millisecond, time.Second))
	p.Check(err)
	props, err := p.Z.Props(sockets.Spec{Name: "supervised-pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"},
		Options: bounded()},
		actors.WithFaultInjection())
	p.Check(err)
	const n, failAt = 3000, 1000
	received, started := make(chan struct{}, 2*n), make(chan socketStarted, 4)
	restarting := make(chan *messages.Restarting, 4)
	parent := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &counter{props: props, received: received, started: started, restarting: restarting, problems: problems}
	}, actor.WithSupervisor(strategy)))
	first := await(ctx, p, started, problems)
	fmt.Printf("supervised-pull: started, bound to %s\n", first.Bound[0])
	push, err := p.Z.Spawn(ctx, sockets.Spec{Name: "feeder", Type: sockets.Push, Connects: first.Bound})
	p.Check(err)

	// The feeder sends n messages, one every 200 µs, while the socket
	// fails and comes back.
	fed := make(chan error, 1)
	go func() {
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for i := range n {
			<-tick.C
			if err := push.Send([]byte(strconv.Itoa(i))); err != nil {
				fed <- err
				return
			}
		}
		fed <- nil
	}()
	count := 0
	for count < failAt {
		await(ctx, p, received, problems)
		count++
	}
	fmt.Printf("before the failure: %d received\n", count)
	p.System.Root.Send(first.pid, &messages.InjectFault{Reason: "demo: pulled the plug"})
	r := await(ctx, p, restarting, problems)
	fmt.Printf("supervised-pull: restarting (attempt %d, reason %q, backoff %v)\n",
		r.GetAttempt(), r.GetReason(), r.GetBackoff().AsDuration().Round(time.Millisecond))
	again := await(ctx, p, started, problems)
	fmt.Printf("supervised-pull: started again (restarts %d), bound again to %s\n", again.Restarts, again.Bound[0])
	p.Check(await(ctx, p, fed, problems))
	// Count what arrives until none came for a second.
	quiet := time.NewTimer(time.Second)
	defer quiet.Stop()
	for count < n {
		select {
		case <-received:
			count++
			quiet.Reset(time.Second)
			continue
		case <-quiet.C:
		case err := <-problems:
			p.Check(err)
		case <-ctx.Done():
			p.Check(fmt.Errorf("demo: %w", ctx.Err()))
		}
		break
	}
	fmt.Printf("in all: %d sent, %d received, %d lost in the failed socket's queues and on its old connection\n", n, count, n-count)
	closeSocket(ctx, p, push)
	p.Check(p.System.Root.StopFuture(parent).Wait()) // and with it supervised-pull
}

// listener is a subscriber actor: it reports each message it gets, raw or
// typed, to the demo.
type listener struct {
	name     string
	got      chan<- string
	problems chan<- error
}

func (l *listener) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *messages.Received:
		report(l.got, fmt.Sprintf("%s %s", l.name, m.Frames[0]), l.problems)
	case *messages.TypedMessage:
		v, err := actors.Unpack[*wrapperspb.DoubleValue](m.GetBody())
		if err != nil {
			report(l.got, fmt.Sprintf("%s typed: %v", l.name, err), l.problems)
			return
		}
		report(l.got, fmt.Sprintf("%s typed %v on %s", l.name, v.GetValue(), m.GetTopic()), l.problems)
	}
}

func pubSubDemo(ctx context.Context, p *cli.Program, problems chan error) {
	// The inbox owns the XPUB: it is closed after the sockets (deferred
	// calls run last first), so that no event is sent to it once it has
	// stopped.
	events := actors.NewInbox(p.System, 16)
	defer events.Close()
	// An XPUB, so that the publisher sees its subscribers come and go.
	pub, err := p.Z.Spawn(ctx, sockets.Spec{Name: "weather", Type: sockets.XPub, Binds: []string{"tcp://127.0.0.1:*"},
		Options: bounded()},
		actors.WithOwner(events.PID()))
	p.Check(err)
	defer closeSocket(ctx, p, pub)
	// A SUB with no owner: it only serves the actors that subscribe.
	sub, err := p.Z.Spawn(ctx, sockets.Spec{Name: "weather-feed", Type: sockets.Sub, Connects: pub.Bound()})
	p.Check(err)
	defer closeSocket(ctx, p, sub)
	fmt.Printf("weather: XPUB bound to %s; weather-feed: SUB connected to it\n", pub.Endpoint())

	got := make(chan string, 256)
	subscribers := map[string]*actor.PID{}
	for _, s := range []struct{ name, prefix string }{
		{"everything", ""}, {"temperatures", "temp."}, {"new-york", "temp.nyc"}, {"new-york", "humidity.nyc"},
	} {
		pid := subscribers[s.name]
		if pid == nil {
			name := s.name
			pid = p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
				return &listener{name: name, got: got, problems: problems}
			}))
			subscribers[s.name] = pid
		}
		p.Check(sub.Subscribe(ctx, pid, s.prefix))
		fmt.Printf("%-12s subscribes to %q\n", s.name, s.prefix)
	}
	typed := p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &listener{name: "typed", got: got, problems: problems}
	}))
	p.Check(sub.SubscribeTyped(ctx, typed, "reading."))
	fmt.Printf("%-12s subscribes to %q, typed\n", "typed", "reading.")
	// One wire subscription per prefix reaches the publisher.
	for seen := 0; seen < 5; {
		m := await(ctx, p, events.C(), problems)
		if ps, ok := m.(*messages.PeerSubscription); ok {
			fmt.Printf("weather: a peer subscribed to %q\n", ps.Prefix)
			seen++
		}
	}

	topics := []string{"temp.nyc", "temp.sfo", "humidity.nyc", "wind.sfo"}
	const rounds = 10
	for i := range rounds {
		for _, topic := range topics {
			p.Check(pub.Publish(topic, []byte(strconv.Itoa(i))))
		}
		p.Check(pub.PublishProto("reading.nyc", wrapperspb.Double(20+float64(i)/2)))
	}
	counts := map[string]int{}
	// everything gets the typed readings too, as raw frames.
	want := map[string]int{"everything": 5 * rounds, "temperatures": 2 * rounds, "new-york": 2 * rounds, "typed": rounds}
	for total := 0; total < 10*rounds; total++ {
		m := await(ctx, p, got, problems)
		counts[strings.Fields(m)[0]]++
		if strings.HasPrefix(m, "typed") && counts["typed"] == rounds {
			fmt.Printf("typed: last reading decoded as google.protobuf.DoubleValue: %s\n", strings.Fields(m)[2])
		}
	}
	for _, name := range []string{"everything", "temperatures", "new-york", "typed"} {
		fmt.Printf("%-12s received %d messages (expected %d)\n", name, counts[name], want[name])
	}
	st, err := sub.Stats(ctx)
	p.Check(err)
	fmt.Printf("weather-feed: %d messages received, %d deliveries to %d subscribers over %d wire subscriptions\n",
		st.Received, st.Delivered, st.Subscribers, st.Subscriptions)

	// A subscriber that stops is forgotten; its last prefix leaves the wire.
	p.Check(p.System.Root.StopFuture(subscribers["temperatures"]).Wait())
	for {
		m := await(ctx, p, events.C(), problems)
		if ps, ok := m.(*messages.PeerSubscription); ok && !ps.Subscribe {
			fmt.Printf("temperatures stopped; weather: a peer unsubscribed from %q\n", ps.Prefix)
			break
		}
	}
	// The SUB watches its subscribers: they stop first, and it sees them go.
	for _, pid := range append([]*actor.PID{typed}, subscribers["everything"], subscribers["new-york"]) {
		p.Check(p.System.Root.StopFuture(pid).Wait())
	}
}

// closeSocket closes s, for a deferred call, ending the demo on an error.
func closeSocket(ctx context.Context, p *cli.Program, s *actors.Socket) {
	_, err := s.Close(ctx)
	p.Check(err)
}
