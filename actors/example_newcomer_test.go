package actors_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// protoactor's records go to the logger given; here a text handler on
// stdout without the time and ids. A message sent to an actor that has
// stopped is a dead letter, which protoactor logs.
func ExampleLoggerFactory() {
	handler := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case slog.TimeKey, "system", "id", "pid":
			return slog.Attr{}
		}
		return a
	}})
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.LoggerFactory(slog.New(handler))))
	defer system.Shutdown()

	gone, err := system.Root.SpawnNamed(actor.PropsFromFunc(func(actor.Context) {}), "gone")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := system.Root.StopFuture(gone).Wait(); err != nil {
		fmt.Println(err)
		return
	}
	system.Root.Send(gone, "hello")
	// Output:
	// level=INFO msg="actor system started" lib=Proto.Actor
	// level=INFO msg=[DeadLetter] lib=Proto.Actor message=hello sender=<nil>
}

// Over tcp a SUB's subscription reaches the publisher some time after
// Subscribe returns, and what is published meanwhile is lost for it;
// after WaitSubscribed the first message arrives.
func ExampleWaitSubscribed() {
	z, ctx, done := newExample()
	defer done()

	pub, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	sub, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Sub, Connects: pub.Bound()})
	if err != nil {
		fmt.Println(err)
		return
	}
	news := actors.NewInbox(z.System(), 16)
	defer news.Close()
	if err := sub.Subscribe(ctx, news.PID(), "news"); err != nil {
		fmt.Println(err)
		return
	}
	if err := actors.WaitSubscribed(ctx, pub, sub); err != nil {
		fmt.Println(err)
		return
	}
	if err := pub.Publish("news", []byte("first")); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n", (<-news.C()).(*messages.Received).Frames)
	// Output: [news first]
}

// A socket actor spawned with fault injection fails on InjectFault and is
// restarted by its supervisor (here protoactor's default, for a socket
// actor spawned from the root); its owner hears of both.
func ExampleSocket_InjectFault() {
	z, ctx, done := newExample()
	defer done()

	owner := actors.NewInbox(z.System(), 16)
	defer owner.Close()
	pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://example-fault"}},
		actors.WithOwner(owner.PID()), actors.WithFaultInjection())
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := pull.InjectFault(ctx, "a test"); err != nil {
		fmt.Println(err)
		return
	}
	for m := range owner.C() {
		switch m := m.(type) {
		case *messages.Restarting:
			fmt.Println("restarting:", m.GetReason())
		case *messages.Started:
			fmt.Println("started, restarts:", m.GetRestarts())
			if m.GetRestarts() == 1 {
				return
			}
		}
	}
	// Output:
	// started, restarts: 0
	// restarting: zmqactor: injected fault: a test
	// started, restarts: 1
}
