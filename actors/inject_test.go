package actors_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestSocketInjectFault: InjectFault returns once the socket actor is back,
// so the owner has been sent Restarting and Started, and a command sent
// after it goes to the new socket; a socket actor spawned without fault
// injection refuses with ErrUnsupported and does not restart; a closed one
// is ErrClosed; a done ctx is its error.
func TestSocketInjectFault(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	inbox := testutil.NewInbox(t, system, 64)
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://inject-fault"}},
		actors.WithOwner(inbox.PID()), actors.WithFaultInjection())
	testutil.Expect[*messages.Started](t, inbox, testutil.Wait)
	for round := uint32(1); round <= 3; round++ {
		if err := pull.InjectFault(ctx, "round"); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		// The first statistics after InjectFault come from the new socket,
		// which has received nothing yet.
		st, err := pull.Stats(ctx)
		if err != nil || st.GetReceived() != 0 {
			t.Fatalf("round %d: stats %v, %v", round, st, err)
		}
		if r := testutil.Expect[*messages.Restarting](t, inbox, testutil.Wait); r.GetAttempt() != round ||
			!strings.Contains(r.GetReason(), "injected fault: round") {
			t.Fatalf("round %d: %v", round, r)
		}
		if s := testutil.Expect[*messages.Started](t, inbox, testutil.Wait); s.GetRestarts() != round {
			t.Fatalf("round %d: %v", round, s)
		}
	}
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()})
	if err := push.Send([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if m := testutil.Expect[*messages.Received](t, inbox, testutil.Wait); string(m.GetFrames()[0]) != "after" {
		t.Fatalf("received %q", m.GetFrames())
	}

	// Without WithFaultInjection: refused, and nothing restarts.
	owner := testutil.NewInbox(t, system, 64)
	plain := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push}, actors.WithOwner(owner.PID()))
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	if err := plain.InjectFault(ctx, "no"); !errors.Is(err, actors.ErrUnsupported) {
		t.Fatalf("without fault injection: %v, want ErrUnsupported", err)
	}
	if _, err := plain.SendWait(ctx, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-owner.C():
		t.Fatalf("the owner heard %T after a refused fault", m)
	default:
	}

	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := push.InjectFault(done, "late"); !errors.Is(err, context.Canceled) {
		t.Fatalf("with a done ctx: %v", err)
	}
	if _, err := plain.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := plain.InjectFault(ctx, "closed"); !errors.Is(err, actors.ErrClosed) {
		t.Fatalf("closed: %v, want ErrClosed", err)
	}
}

// stopper is the parent of one socket actor, and stops it for good at its
// first failure; it hands main the socket's handle.
type stopper struct {
	z      *actors.Runtime
	props  *actor.Props
	handle chan<- *actors.Socket
}

func (p *stopper) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		ctx.Spawn(p.props)
	case *messages.Started:
		p.handle <- p.z.SocketOf(ctx.Sender(), m)
	}
}

// TestSocketInjectFaultStopped: when the supervisor stops the socket actor
// instead of restarting it, InjectFault returns nil as soon as it has
// stopped.
func TestSocketInjectFaultStopped(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	props, err := z.Props(sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://inject-stopped"}}, actors.WithFaultInjection())
	if err != nil {
		t.Fatal(err)
	}
	handle := make(chan *actors.Socket, 1)
	stop := actor.NewOneForOneStrategy(0, 0, func(any) actor.Directive { return actor.StopDirective })
	parent := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &stopper{z: z, props: props, handle: handle}
	}, actor.WithSupervisor(stop)))
	t.Cleanup(func() { _ = system.Root.StopFuture(parent).Wait() })
	var pull *actors.Socket
	select {
	case pull = <-handle:
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	if err := pull.InjectFault(ctx, "for good"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-pull.Done():
	default:
		t.Fatal("InjectFault returned before the socket actor stopped")
	}
	if n := z.Len(); n != 0 {
		t.Fatalf("%d socket actors left", n)
	}
}
