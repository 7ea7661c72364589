package supervision_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
	"github.com/zmqactor/zmqactor/supervision"
)

// escalateNow makes a socket actor with escalateOn fail with an error
// wrapping ErrEscalate, so that its whole service restarts.
type escalateNow struct{}

var escalateOn = testutil.FailOn(func(m any) bool { _, ok := m.(escalateNow); return ok },
	fmt.Errorf("%w: the test asked", supervision.ErrEscalate))

// startedOf returns the next Started of the socket name in inbox,
// skipping the rest.
func startedOf(t *testing.T, inbox *actors.Inbox, name string) *messages.Started {
	t.Helper()
	for {
		if s := testutil.Expect[*messages.Started](t, inbox, testutil.Wait); s.GetSocket() == name {
			return s
		}
	}
}

// TestConnectTo: a socket of the tree connects to another's endpoint,
// bound on tcp://127.0.0.1:*, by naming it in ConnectTo; the wiring holds
// when the server restarts (it binds the same port), when the client
// restarts (it connects to it again), and when the server's whole service
// restarts and binds a new port (the client is moved to it).
func TestConnectTo(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	owner := testutil.NewInbox(t, system, 256)
	restart, err := supervision.OneForOne(supervision.WithBackoff(time.Millisecond, 10*time.Millisecond),
		supervision.WithDecider(func(any) actor.Directive { return actor.RestartDirective }))
	if err != nil {
		t.Fatal(err)
	}
	echo := actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: r.GetFrames()})
		}
	})
	faults := actors.WithFaultInjection()
	tree, err := supervision.Start(ctx, z, supervision.Service{
		Name:     "wired",
		Strategy: restart,
		Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "client", Type: sockets.Dealer},
			ConnectTo: []string{"wired/backend/server"}, Options: []actors.SpawnOption{faults}}},
		Services: []supervision.Service{{
			Name:     "backend",
			Handlers: []supervision.Handler{{Name: "echo", Props: echo}},
			Sockets: []supervision.Socket{{Spec: sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}},
				Handler: "echo", Options: []actors.SpawnOption{faults, actors.WithProps(actor.WithReceiverMiddleware(escalateOn))}}},
		}},
	}, owner.PID())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := tree.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	socket := func(name string) *actors.Socket { t.Helper(); return treeSocket(t, tree, name) }
	first := socket("server").Endpoint()
	if started := startedOf(t, owner, "client"); !slices.Equal(started.GetConnected(), []string{first}) {
		t.Fatalf("client connected to %v, want [%s]", started.GetConnected(), first)
	}
	ask := func(what string) {
		t.Helper()
		reply, err := socket("client").Request(ctx, [][]byte{[]byte(what)}, actors.WithTimeout(100*time.Millisecond), actors.WithRetries(100))
		if err != nil || string(reply.GetFrames()[0]) != what {
			t.Fatalf("%s: %v, %v", what, reply, err)
		}
	}
	ask("first")

	if err := socket("server").InjectFault(ctx, "server"); err != nil {
		t.Fatal(err)
	}
	if again := startedOf(t, owner, "server"); again.GetBound()[0] != first {
		t.Fatalf("the restarted server bound %v, want %s", again.GetBound(), first)
	}
	ask("after the server restarted")
	if err := socket("client").InjectFault(ctx, "client"); err != nil {
		t.Fatal(err)
	}
	if again := startedOf(t, owner, "client"); !slices.Equal(again.GetConnected(), []string{first}) {
		t.Fatalf("the restarted client connected to %v, want [%s]", again.GetConnected(), first)
	}
	ask("after the client restarted")

	// The backend service restarts as a whole: its server binds a new
	// port, and the client is moved to it.
	system.Root.Send(socket("server").PID(), escalateNow{})
	moved := startedOf(t, owner, "server").GetBound()[0]
	ask("after the backend restarted")
	if got := socket("server").Endpoint(); got != moved {
		t.Fatalf("Running.Socket gives the endpoint %s, want the new %s", got, moved)
	}
	// What the client is connected to outlives its own restart.
	if err := socket("client").InjectFault(ctx, "client again"); err != nil {
		t.Fatal(err)
	}
	if again := startedOf(t, owner, "client"); !slices.Equal(again.GetConnected(), []string{moved}) {
		t.Fatalf("after the move the restarted client connected to %v, want [%s] (first %s)", again.GetConnected(), moved, first)
	}
	ask("at the end")
}

// TestConnectToDeclarations: a ConnectTo that names nothing, the socket
// itself, a socket that binds nothing, or makes a cycle, is ErrBadPolicy
// before anything starts.
func TestConnectToDeclarations(t *testing.T) {
	_, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	bound := func(name string, to ...string) supervision.Socket {
		return supervision.Socket{Spec: sockets.Spec{Name: name, Type: sockets.Pair, Binds: []string{"inproc://" + name}}, ConnectTo: to}
	}
	for name, s := range map[string][]supervision.Socket{
		"unknown":       {bound("a", "nobody")},
		"itself":        {bound("a", "a")},
		"binds nothing": {{Spec: sockets.Spec{Name: "a", Type: sockets.Pair}}, bound("b", "a")},
		"cycle":         {bound("a", "b"), bound("b", "c"), bound("c", "a")},
	} {
		_, err := supervision.Start(ctx, z, supervision.Service{Name: "decl", Sockets: s}, nil)
		if !errors.Is(err, supervision.ErrBadPolicy) {
			t.Errorf("%s: %v, want ErrBadPolicy", name, err)
		}
	}
	if n := z.Len(); n != 0 {
		t.Fatalf("%d socket actors started", n)
	}
}
