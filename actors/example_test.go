package actors_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/sockets"
)

// newExample returns the ZeroMQ context of an actor system that logs
// nothing, a context that bounds the example's calls, and the function that
// ends all three. Only a broken libzmq makes it fail, which it reports by
// panicking: no example is about that.
func newExample() (*actors.Runtime, context.Context, func()) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
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
