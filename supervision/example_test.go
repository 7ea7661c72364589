package supervision_test

// README.md shows supervised as it is here (actors/example_readme_test.go
// says how that is kept so).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

func supervised(ctx context.Context, z *actors.Runtime) error {
	strategy, err := supervision.OneForOne(supervision.WithMaxRestarts(5), supervision.WithWindow(time.Minute),
		supervision.WithBackoff(10*time.Millisecond, 2*time.Second)) // exponential, with jitter and a cap
	if err != nil {
		return err
	}
	hello := actor.PropsFromFunc(func(c actor.Context) {
		if _, ok := c.Message().(*messages.Request); ok {
			c.Respond(&messages.Reply{Frames: [][]byte{[]byte("World")}})
		}
	})
	owner := actors.NewInbox(z.System(), 64) // the tree's events: Started, Restarting, Closed...
	defer owner.Close()
	tree, err := supervision.Start(ctx, z, supervision.Service{
		Name:     "shop",
		Strategy: strategy,
		Handlers: []supervision.Handler{{Name: "hello", Props: hello}},
		Sockets: []supervision.Socket{
			{Spec: sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
				Handler: "hello", Options: []actors.SpawnOption{actors.WithFaultInjection()}},
			// ConnectTo: the client connects to the port the server bound.
			{Spec: sockets.Spec{Name: "client", Type: sockets.Dealer}, ConnectTo: []string{"server"}},
		},
	}, owner.PID())
	if err != nil {
		return err
	}
	defer tree.Stop(ctx) // handlers, then sockets, then supervisors

	// Sockets and handlers by path ("shop/server") or unique bare name.
	server, err := tree.Socket("shop/server")
	if err != nil {
		return err
	}
	client, err := tree.Socket("client")
	if err != nil {
		return err
	}
	if err := server.InjectFault(ctx, "a test"); err != nil { // restarted, on the same port
		return err
	}
	// The client's connection comes back; retries cover the gap.
	reply, err := client.Request(ctx, [][]byte{[]byte("Hello")},
		actors.WithTimeout(100*time.Millisecond), actors.WithRetries(50))
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", reply.Frames)
	return nil
}

// example runs f on an actor system of its own.
func example(f func(context.Context, *actors.Runtime) error) {
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	defer system.Shutdown()
	z, err := actors.NewRuntime(system)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = z.Shutdown(context.Background()) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f(ctx, z); err != nil {
		fmt.Println(err)
	}
}

// A service tree: a ROUTER server with its handler and a DEALER client
// wired to it by name, under a restart policy; the server fails and comes
// back, and the client's request gets through.
func ExampleStart() {
	example(supervised)
	// Output: [World]
}

// The tree's sockets and handlers are found by path or by bare name; a
// name that finds nothing says what there is.
func ExampleRunning_Socket() {
	example(func(ctx context.Context, z *actors.Runtime) error {
		tree, err := supervision.Start(ctx, z, supervision.Service{
			Name: "shop",
			Services: []supervision.Service{{
				Name:    "broker",
				Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "frontend", Type: sockets.Pub, Binds: []string{"inproc://frontend"}}}},
			}},
		}, nil)
		if err != nil {
			return err
		}
		defer tree.Stop(ctx)
		for _, name := range []string{"shop/broker/frontend", "frontend", "backend"} {
			s, err := tree.Socket(name)
			if err != nil {
				fmt.Println(errors.Is(err, supervision.ErrUnknownName), err)
				continue
			}
			fmt.Println(name, "->", s.PID().Id, s.Endpoint())
		}
		return nil
	})
	// Output:
	// shop/broker/frontend -> shop/broker/frontend inproc://frontend
	// frontend -> shop/broker/frontend inproc://frontend
	// true zmqactor: no such name in the service tree: no socket "backend" (the sockets: shop/broker/frontend)
}

// The backoff doubles with each failure within the window, up to the cap.
func ExampleStrategy_Delay() {
	strategy, err := supervision.OneForOne(supervision.WithBackoff(10*time.Millisecond, time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	for n := 1; n <= 9; n += 2 {
		fmt.Println(n, strategy.Delay(n))
	}
	_, err = supervision.OneForOne(supervision.WithMaxRestarts(-1))
	fmt.Println(errors.Is(err, supervision.ErrBadPolicy))
	// Output:
	// 1 10ms
	// 3 40ms
	// 5 160ms
	// 7 640ms
	// 9 1s
	// true
}

// Decide stops for failures a restart cannot mend and restarts for the
// rest.
func ExampleDecide() {
	for _, reason := range []any{
		fmt.Errorf("bind: %w", sockets.ErrAddressInUse),
		fmt.Errorf("%w: configuration gone", supervision.ErrEscalate),
		errors.New("a bug in a handler"),
	} {
		fmt.Println(supervision.Decide(reason))
	}
	// Output:
	// StopDirective
	// EscalateDirective
	// RestartDirective
}
