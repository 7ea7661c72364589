package actors_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// newExample returns the ZeroMQ context of an actor system that logs
// nothing, a context that bounds the example's calls, and the function that
// ends all three. Only a broken libzmq makes it fail, which it reports by
// panicking: no example is about that.
func newExample() (*actors.Runtime, context.Context, func()) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	z, err := actors.NewRuntime(system)
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	return z, ctx, func() {
		cancel()
		shutdown(z)
	}
}

// shutdown stops every socket actor of z, terms it, and stops its system.
func shutdown(z *actors.Runtime) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := z.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	z.System().Shutdown()
}

// A PULL socket actor delivers each message to its owner, here an Inbox; a
// PUSH socket actor connected to it over inproc sends a multipart message.
func ExampleContext_Spawn() {
	// One ZeroMQ context per actor system; Shutdown closes every socket.
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	z, err := actors.NewRuntime(system)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer shutdown(z)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	inbox := actors.NewInbox(system, 16)
	defer inbox.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{
		Type:  sockets.Pull,
		Binds: []string{"inproc://example-spawn"},
	}, actors.WithOwner(inbox.PID()))
	if err != nil {
		fmt.Println(err)
		return
	}
	push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := push.Send([]byte("hello"), []byte{}, []byte("world")); err != nil {
		fmt.Println(err)
		return
	}
	for {
		select {
		case m := <-inbox.C():
			switch m := m.(type) {
			case *messages.Started:
				fmt.Println("started", sockets.Type(m.GetType()), m.GetBound())
			case *messages.Received:
				for i, f := range m.GetFrames() {
					fmt.Printf("frame %d: %q\n", i, f)
				}
				return
			}
		case <-ctx.Done():
			fmt.Println(ctx.Err())
			return
		}
	}
	// Output:
	// started PULL [inproc://example-spawn]
	// frame 0: "hello"
	// frame 1: ""
	// frame 2: "world"
}

// Bind returns the endpoint resolved: the port ZeroMQ chose for "*".
func ExampleSocket_Bind() {
	z, ctx, done := newExample()
	defer done()

	inbox := actors.NewInbox(z.System(), 16)
	defer inbox.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull}, actors.WithOwner(inbox.PID()))
	if err != nil {
		fmt.Println(err)
		return
	}
	endpoint, err := pull.Bind(ctx, "tcp://127.0.0.1:*")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(endpoint, "tcp://127.0.0.1:"), !strings.HasSuffix(endpoint, ":*"))

	_, err = pull.Bind(ctx, "nope://x")
	fmt.Println(errors.Is(err, sockets.ErrBadEndpoint))
	// Output:
	// true true
	// true
}

// SendWait reports what went wrong as an error that matches the sentinels
// of package sockets.
func ExampleSocket_SendWait() {
	z, ctx, done := newExample()
	defer done()

	inbox := actors.NewInbox(z.System(), 16)
	defer inbox.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://example-sendwait"}}, actors.WithOwner(inbox.PID()))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = pull.SendWait(ctx, []byte("x"))
	fmt.Println(errors.Is(err, sockets.ErrUnsupported))

	push, err := z.Spawn(ctx, sockets.Spec{
		Type:     sockets.Push,
		Options:  []sockets.Option{sockets.MaxMessageSize(4)},
		Connects: pull.Bound(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = push.SendWait(ctx, []byte("too long"))
	fmt.Println(errors.Is(err, sockets.ErrTooLarge))

	queued, err := push.SendWait(ctx, []byte("ok"))
	fmt.Println(queued, err)

	if _, err := push.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}
	_, err = push.SendWait(ctx, []byte("late"))
	fmt.Println(errors.Is(err, actors.ErrClosed))
	// Output:
	// true
	// true
	// false <nil>
	// true
}

func ExampleSocket_Request() {
	z, ctx, done := newExample()
	defer done()

	// A handler actor answers each request; the ROUTER server socket actor
	// sends the answer back to the peer that asked.
	hello := z.System().Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		if r, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: [][]byte{[]byte("World, " + string(r.GetFrames()[0]))}})
		}
	}))
	server, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Router, Binds: []string{"inproc://example-hello"}},
		actors.WithHandler(hello, actors.ServeOptions{Timeout: time.Second}))
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: server.Bound()})
	if err != nil {
		fmt.Println(err)
		return
	}
	reply, err := client.Request(ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(time.Second), actors.WithRetries(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s after %d attempt\n", reply.GetFrames()[0], reply.GetAttempts())
	// Output: World, Hello after 1 attempt
}
