// Package testutil holds helpers shared by the tests of zmqactor, so that
// each exists once: a quiet actor system with its ZeroMQ context, socket
// actors and inboxes that end with the test, and waits with deadlines on
// inbox messages instead of sleeps (testutil.go); open file descriptors
// (fds.go); free tcp ports (ports.go); the pyzmq interpreter and runner
// (python.go); the goleak exceptions and TestMain (leaks.go); failure
// injection into an actor (fail.go); a plain zmq4 peer (raw.go).
// Subpackage wakeup has what the no-lost-wake-up tests of sockets and
// actors share; it imports neither, so package sockets' own tests can use
// it, which they cannot do with testutil. Subpackage hostile throws what a
// hostile peer sends at an endpoint, for the tests that check a server
// survives it.
package testutil

import (
	"context"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/sockets"
)

// Wait is the default deadline for one expected event.
const Wait = 20 * time.Second

// NewSystem returns an actor system with a ZeroMQ context, shut down when
// the test ends.
func NewSystem(t testing.TB, opts ...actors.RuntimeOption) (*actor.ActorSystem, *actors.Runtime) {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
	return system, newRuntime(t, system, opts...)
}

// newRuntime creates the ZeroMQ context of system, and shuts both down
// when the test ends.
func newRuntime(t testing.TB, system *actor.ActorSystem, opts ...actors.RuntimeOption) *actors.Runtime {
	t.Helper()
	z, err := actors.NewRuntime(system, opts...)
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		if err := z.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		system.Shutdown()
	})
	return z
}

// NewInbox returns an inbox of system that holds size messages, closed
// when the test ends.
func NewInbox(t testing.TB, system *actor.ActorSystem, size int) *actors.Inbox {
	inbox := actors.NewInbox(system, size)
	t.Cleanup(inbox.Close)
	return inbox
}

// Spawn spawns a socket actor of spec on z, within Wait, and fails the test
// if it cannot.
func Spawn(t testing.TB, z *actors.Runtime, spec sockets.Spec, opts ...actors.SpawnOption) *actors.Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	s, err := z.Spawn(ctx, spec, opts...)
	if err != nil {
		t.Fatalf("spawn %v: %v", spec.Type, err)
	}
	return s
}

// Ctx returns a context that ends after Wait or with the test.
func Ctx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	t.Cleanup(cancel)
	return ctx
}

// Next returns the next message of inbox, failing the test after d.
func Next(t testing.TB, inbox *actors.Inbox, d time.Duration) any {
	t.Helper()
	select {
	case m := <-inbox.C():
		return m
	case <-time.After(d):
		t.Fatalf("no message within %v", d)
		return nil
	}
}

// Expect returns the next message of inbox of type T, skipping others, and
// fails the test after d.
func Expect[T any](t testing.TB, inbox *actors.Inbox, d time.Duration) T {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case m := <-inbox.C():
			if v, ok := m.(T); ok {
				return v
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %T within %v", zero, d)
			return zero
		}
	}
}

// Poll calls ok every few milliseconds until it returns true, and reports
// whether it did within Wait: for conditions that come with no event to
// wait on, such as counters and file descriptors that settle after a close.
func Poll(ok func() bool) bool {
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-tick.C:
		case <-deadline.C:
			return ok()
		}
	}
	return true
}
