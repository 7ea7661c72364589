package actors_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// pushPullCycles spawns a bound PULL and a PUSH connected to it n times,
// alternating tcp and inproc, sends one message across and closes both.
func pushPullCycles(t *testing.T, z *actors.Runtime, inbox *actors.Inbox, n int) {
	t.Helper()
	ctx := testutil.Ctx(t)
	for i := range n {
		ep := "tcp://127.0.0.1:*"
		if i%2 == 1 {
			// A new name each time: libzmq releases an inproc name, like
			// a tcp port, in its reaper thread shortly after close.
			ep = "inproc://cycle-" + strconv.Itoa(i)
		}
		pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{ep}}, actors.WithOwner(inbox.PID()))
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}})
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		want := strconv.Itoa(i)
		if err := push.Send([]byte(want)); err != nil {
			t.Fatal(err)
		}
		for got := false; !got; { // skips Started and Closed events
			r, ok := testutil.Next(t, inbox, testutil.Wait).(*messages.Received)
			got = ok && len(r.Frames) == 1 && string(r.Frames[0]) == want
		}
		if _, err := push.CloseLinger(ctx, 0); err != nil {
			t.Fatalf("cycle %d: close push: %v", i, err)
		}
		if _, err := pull.CloseLinger(ctx, 0); err != nil {
			t.Fatalf("cycle %d: close pull: %v", i, err)
		}
	}
	if n := z.Len(); n != 0 {
		t.Fatalf("%d socket actors alive after closing all", n)
	}
}

// TestNoLeaks spawns and closes a connected PUSH/PULL pair 1,000 times,
// with a message across each, then shuts the ZeroMQ context down within a
// deadline: every file descriptor is given back, exactly, and every
// goroutine ends (here and, for the whole package, in TestMain).
//
// A first cycle in a system of its own comes before the count, so that what
// a process opens once and keeps (the Go runtime's netpoller, an epoll fd
// and an eventfd, opened with the first pollable fd) is not counted as a
// leak.
func TestNoLeaks(t *testing.T) {
	run := func(cycles int) (during int, shutdown time.Duration) {
		system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
		z, err := actors.NewRuntime(system)
		if err != nil {
			t.Fatal(err)
		}
		inbox := actors.NewInbox(system, 16)
		pushPullCycles(t, z, inbox, cycles)
		during = testutil.OpenFDs(t)
		inbox.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		if err := z.Shutdown(ctx); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		shutdown = time.Since(start)
		system.Shutdown()
		return during, shutdown
	}
	warm, _ := run(1)
	before := testutil.OpenFDs(t)
	const cycles = 1000
	start := time.Now()
	during, shutdown := run(cycles)
	after := testutil.OpenFDs(t)
	t.Logf("open fds: %d before, %d after %d cycles with the context still open (%d after the warm-up's one), %d after shutdown; cycles took %v, shutdown %v",
		before, during, cycles, warm, after, time.Since(start)-shutdown, shutdown)
	if after != before {
		t.Fatalf("fd leak: %d open before, %d after", before, after)
	}
	goleak.VerifyNone(t, testutil.LeakOptions()...)
}
