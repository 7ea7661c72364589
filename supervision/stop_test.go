package supervision_test

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/router"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// listener is a subscriber handler: it reports what it receives as
// "name: first frame".
func listener(name string, got chan<- string) *actor.Props {
	return actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*messages.Received); ok && !actors.IsProbe(m.GetFrames()) {
			got <- name + ": " + string(m.GetFrames()[0])
		}
	})
}

// startWatched starts, with an owner, a tree in which sockets watch
// handlers of their own service and of another: a ROUTER serving through a
// pool, a SUB whose subscribers are handlers here and in the nested
// service, a socket monitored by a handler, and a socket passing what it
// receives to a receiver handler. The handlers that receive report "name:
// first frame" on the channel returned.
func startWatched(t *testing.T, system *actor.ActorSystem, z *actors.Runtime, name string) (*supervision.Running, *actors.Inbox, <-chan string) {
	t.Helper()
	owner := testutil.NewInbox(t, system, 256)
	got := make(chan string, 64)
	hello := func(ctx actor.Context) {
		if _, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: [][]byte{[]byte("World")}})
		}
	}
	tree, err := supervision.Start(testutil.Ctx(t), z, supervision.Service{
		Name: name,
		Handlers: []supervision.Handler{
			{Name: "hello", Props: router.NewRoundRobinPool(3).Configure(actor.WithFunc(hello))},
			{Name: "sub-a", Props: listener("sub-a", got)},
			{Name: "inbox", Props: listener("inbox", got)},
		},
		Sockets: []supervision.Socket{
			{Spec: sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}}, Handler: "hello"},
			{Spec: sockets.Spec{Name: "pub", Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}}},
			{Spec: sockets.Spec{Name: "feed", Type: sockets.Sub}, ConnectTo: []string{"pub"}},
			{Spec: sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, Receiver: "inbox"},
		},
		Services: []supervision.Service{{
			Name:     "workers",
			Handlers: []supervision.Handler{{Name: "sub-b", Props: listener("sub-b", got)}},
			Sockets: []supervision.Socket{
				{Spec: sockets.Spec{Name: "client", Type: sockets.Dealer}, ConnectTo: []string{"server"}},
				{Spec: sockets.Spec{Name: "push", Type: sockets.Push}, ConnectTo: []string{"pull"}},
			},
		}},
	}, owner.PID())
	if err != nil {
		t.Fatal(err)
	}
	return tree, owner, got
}

// TestStopNoDeadLetter: a tree whose sockets watch and deliver to its
// handlers, stopped after traffic, leaves protoactor nothing to report: no
// dead letter on the event stream and no line in its log (but "actor
// system started"), and the owner gets each socket's Closed once.
func TestStopNoDeadLetter(t *testing.T) {
	system, z, log := testutil.NewLoggedSystem(t)
	ctx := testutil.Ctx(t)
	tree, owner, got := startWatched(t, system, z, "app")
	get := func(name string) *actors.Socket { t.Helper(); return treeSocket(t, tree, name) }
	handler := func(name string) *actor.PID { t.Helper(); return treeHandler(t, tree, name) }
	feed, pub := get("feed"), get("pub")
	for _, who := range []string{"sub-a", "sub-b"} {
		if err := feed.Subscribe(ctx, handler(who), "news"); err != nil {
			t.Fatal(err)
		}
	}
	if err := get("server").Monitor(ctx, handler("inbox"), messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED); err != nil {
		t.Fatal(err)
	}
	if err := actors.WaitSubscribed(ctx, pub, feed); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish("news"); err != nil {
		t.Fatal(err)
	}
	if err := get("push").Send([]byte("pushed")); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := get("client").Request(ctx, [][]byte{[]byte("Hello")}, actors.WithTimeout(time.Second)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	for len(seen) < 3 {
		select {
		case m := <-got:
			seen[m] = true
		case <-ctx.Done():
			t.Fatalf("only %v arrived", seen)
		}
	}
	if !seen["sub-a: news"] || !seen["sub-b: news"] || !seen["inbox: pushed"] {
		t.Fatalf("arrived: %v", seen)
	}

	if err := tree.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	log.CheckQuiet(t, nil)
	for name, n := range expectClosed(t, owner, z, 6) {
		if n != 1 {
			t.Errorf("%d Closed for %s", n, name)
		}
	}
	select {
	case <-tree.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := tree.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestStopAbrupt: a tree whose root PID is stopped directly, without
// Running.Stop, still stops every socket and handler, and the owner hears
// every socket's Closed.
func TestStopAbrupt(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	tree, owner, _ := startWatched(t, system, z, "abrupt")
	if err := system.Root.StopFuture(tree.PID()).Wait(); err != nil {
		t.Fatal(err)
	}
	expectClosed(t, owner, z, 6)
	select {
	case <-tree.Done():
	case <-ctx.Done():
		t.Fatal("Done not closed")
	}
	for _, path := range []string{"abrupt/hello", "abrupt/workers/sub-b"} {
		if _, ok := system.ProcessRegistry.GetLocal(path); ok {
			t.Errorf("handler %s still runs", path)
		}
	}
}
