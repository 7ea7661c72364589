// Demo shows socket actors at work: a PUSH/PULL pipeline over tcp into a
// consumer actor, a PAIR ping-pong between two actors over inproc, and the
// errors that bad input gets. It then shuts everything down cleanly.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/examples/internal/cli"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// consumer owns a PULL socket actor (its child) and counts what arrives.
type consumer struct {
	props  *actor.Props
	want   int
	got    int
	bound  chan<- string
	doneCh chan<- int
}

func (c *consumer) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(c.props)
	case *messages.Started:
		fmt.Printf("consumer: %s socket %q listening on %v\n", sockets.Type(m.Type), m.Socket, m.Bound)
		c.bound <- m.Bound[0]
	case *messages.Received:
		c.got++
		if c.got <= 3 || c.got == c.want {
			fmt.Printf("consumer: message %d: %q\n", c.got, m.Frames)
		}
		if c.got == c.want {
			c.doneCh <- c.got
		}
	}
}

// player owns a PAIR socket actor and answers each ball it receives.
type player struct {
	name   string
	props  *actor.Props
	serve  bool
	rounds int
	sock   *actor.PID
	done   chan<- string
}

func (p *player) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.sock = ctx.Spawn(p.props)
	case *messages.Started:
		fmt.Printf("%s: PAIR socket ready (bound %v, connected %v)\n", p.name, m.Bound, m.Connected)
		if p.serve {
			ctx.Send(p.sock, &messages.Send{Frames: [][]byte{[]byte("ball"), []byte("1")}})
		}
	case *messages.Received:
		fmt.Printf("%s: got %s %s\n", p.name, m.Frames[0], m.Frames[1])
		var n int
		fmt.Sscan(string(m.Frames[1]), &n)
		if n >= p.rounds {
			p.done <- p.name
			return
		}
		// The socket actor is the sender of what it delivers.
		ctx.Send(ctx.Sender(), &messages.Send{Frames: [][]byte{[]byte("ball"), []byte(fmt.Sprint(n + 1))}})
	}
}

func main() {
	p := cli.Start("demo")
	defer func() {
		p.Close()
		fmt.Println("shutdown complete: every socket actor stopped, ZeroMQ context terminated")
	}()
	ctx, cancel := context.WithTimeout(p.Ctx, 20*time.Second)
	defer cancel()

	fmt.Println("== 1. PUSH -> PULL over tcp, into a consumer actor")
	pullProps, err := p.Z.Props(sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}})
	p.Check(err)
	const n = 1000
	bound, done := make(chan string, 1), make(chan int, 1)
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &consumer{props: pullProps, want: n, bound: bound, doneCh: done}
	}))
	endpoint := <-bound
	push, err := p.Z.Spawn(ctx, sockets.Spec{Name: "push", Type: sockets.Push, Connects: []string{endpoint}})
	p.Check(err)
	start := time.Now()
	for i := 1; i <= n; i++ {
		p.Check(push.Send([]byte("task"), []byte(fmt.Sprint(i))))
	}
	select {
	case got := <-done:
		fmt.Printf("consumer: all %d messages arrived, in order, in %v\n", got, time.Since(start).Round(time.Millisecond))
	case <-ctx.Done():
		p.Check(ctx.Err())
	}

	fmt.Println("\n== 2. PAIR <-> PAIR ping-pong over inproc between two actors")
	ping, err := p.Z.Props(sockets.Spec{Name: "ping", Type: sockets.Pair, Binds: []string{"inproc://ping-pong"}})
	p.Check(err)
	pong, err := p.Z.Props(sockets.Spec{Name: "pong", Type: sockets.Pair, Connects: []string{"inproc://ping-pong"}})
	p.Check(err)
	finished := make(chan string, 2)
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &player{name: "ping", props: ping, rounds: 5, done: finished}
	}))
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &player{name: "pong", props: pong, serve: true, rounds: 5, done: finished}
	}))
	select {
	case who := <-finished:
		fmt.Printf("%s: rally over after 5 rounds\n", who)
	case <-ctx.Done():
		p.Check(ctx.Err())
	}

	fmt.Println("\n== 3. Bad input gets clear errors, and the sockets keep working")
	_, err = push.Bind(ctx, "tcp://no-such-host-name:x")
	fmt.Printf("bind to a bad endpoint:    %v (ErrBadEndpoint: %v)\n", err, errors.Is(err, actors.ErrBadEndpoint))
	err = push.SetOption(ctx, sockets.Subscribe([]byte("topic")))
	fmt.Printf("subscribe on a PUSH:       %v (ErrUnsupported: %v)\n", err, errors.Is(err, actors.ErrUnsupported))
	_, err = p.Z.Spawn(ctx, sockets.Spec{Type: 42})
	fmt.Printf("unknown socket type:       %v\n", err)
	_, err = push.SendWait(ctx, []byte("still works"))
	fmt.Printf("a good send afterwards:    err=%v\n", err)
	unsent, err := push.Close(ctx)
	p.Check(err)
	fmt.Printf("closed push (%d unsent)\n", unsent)
	err = push.Send([]byte("too late"))
	fmt.Printf("send after close:          %v (ErrClosed: %v)\n", err, errors.Is(err, actors.ErrClosed))

	fmt.Println("\n== 4. A supervised socket actor fails and comes back while traffic goes on")
	restartDemo(ctx, p)

	fmt.Printf("\nsocket actors still running: %d\n", p.Z.Len())
}

// counter owns a supervised PULL socket actor and reports each Received and
// Started to the demo through channels.
type counter struct {
	props    *actor.Props
	received chan<- struct{}
	started  chan<- socketStarted
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
		c.started <- socketStarted{m, ctx.Sender()}
	case *messages.Received:
		c.received <- struct{}{}
	}
}

func restartDemo(ctx context.Context, p *cli.Program) {
	strategy, err := supervision.OneForOne(supervision.WithMaxRestarts(3),
		supervision.WithBackoff(50*time.Millisecond, time.Second))
	p.Check(err)
	props, err := p.Z.Props(sockets.Spec{Name: "supervised-pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithFaultInjection())
	p.Check(err)
	received, started := make(chan struct{}, 4096), make(chan socketStarted, 4)
	p.System.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &counter{props: props, received: received, started: started}
	}, actor.WithSupervisor(strategy)))
	first := <-started
	fmt.Printf("supervised-pull: started on %s\n", first.Bound[0])
	push, err := p.Z.Spawn(ctx, sockets.Spec{Name: "feeder", Type: sockets.Push, Connects: first.Bound})
	p.Check(err)

	// send sends n messages and counts how many arrive within a second of
	// the last one arriving.
	send := func(n int) (arrived int) {
		for i := range n {
			p.Check(push.Send([]byte(fmt.Sprint(i))))
		}
		for {
			select {
			case <-received:
				arrived++
			case <-time.After(time.Second):
				return arrived
			case <-ctx.Done():
				return arrived
			}
		}
	}
	before := send(1000)
	fmt.Printf("before the failure: 1000 sent, %d received\n", before)

	p.System.Root.Send(first.pid, &messages.InjectFault{Reason: "demo: pulled the plug"})
	again := <-started
	fmt.Printf("supervised-pull: restarted (attempt %d, reason %q), listening again on %s\n",
		again.Restarts, again.RestartReason, again.Bound[0])
	after := send(1000)
	fmt.Printf("after the restart:  1000 sent, %d received (messages inside the failed socket's queues or on its old connection are lost)\n", after)
}
