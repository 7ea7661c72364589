package actors_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"go.uber.org/goleak"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// Short names for the kinds the tests assert.
const (
	evConnected    = messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECTED
	evDelayed      = messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_DELAYED
	evRetried      = messages.SocketEventKind_SOCKET_EVENT_KIND_CONNECT_RETRIED
	evListening    = messages.SocketEventKind_SOCKET_EVENT_KIND_LISTENING
	evAccepted     = messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED
	evDisconnected = messages.SocketEventKind_SOCKET_EVENT_KIND_DISCONNECTED
	evHandshake    = messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED
)

// eventsUntil reads the SocketEvents of socket from inbox, skipping other
// messages and other sockets' events, until one of kind last, and returns
// the kinds among keep, in order, with that last one. Every kept event
// must be on endpoint.
func eventsUntil(t *testing.T, inbox *actors.Inbox, socket, endpoint string, last messages.SocketEventKind, keep ...messages.SocketEventKind) []messages.SocketEventKind {
	t.Helper()
	var got []messages.SocketEventKind
	deadline := time.After(testutil.Wait)
	for {
		select {
		case m := <-inbox.C():
			ev, ok := m.(*messages.SocketEvent)
			if !ok || ev.GetSocket() != socket || !slices.Contains(keep, ev.GetKind()) {
				continue
			}
			if ev.GetEndpoint() != endpoint {
				t.Fatalf("%s: %v on %q, want %q", socket, ev.GetKind(), ev.GetEndpoint(), endpoint)
			}
			got = append(got, ev.GetKind())
			if ev.GetKind() == last {
				return got
			}
		case <-deadline:
			t.Fatalf("%s: no %v within %v; kept so far: %v", socket, last, testutil.Wait, got)
			return nil
		}
	}
}

// spawnBound spawns a ROUTER bound to ep, trying again while the port is
// still held by a socket closed a moment ago (libzmq releases it in its
// I/O thread).
func spawnBound(t *testing.T, z *actors.Runtime, name, ep string, owner *actors.Inbox) *actors.Socket {
	t.Helper()
	var s *actors.Socket
	var err error
	if !testutil.Poll(func() bool {
		s, err = z.Spawn(testutil.Ctx(t), sockets.Spec{Name: name, Type: sockets.Router, Binds: []string{ep}}, actors.WithOwner(owner.PID()))
		return !errors.Is(err, sockets.ErrAddressInUse)
	}) || err != nil {
		t.Fatalf("bind %s again: %v", ep, err)
	}
	return s
}

// TestMonitorOrder is the test. Monitor: bind, connect, peer
// stops, peer returns: the events come in that order. A server's monitor
// reports LISTENING for its bind, then ACCEPTED and HANDSHAKE_SUCCEEDED for
// the client; the client's reports CONNECTED and HANDSHAKE_SUCCEEDED, then,
// when the server stops, DISCONNECTED and CONNECT_RETRIED, and when a server
// is back on the same port, CONNECTED and HANDSHAKE_SUCCEEDED again. Every
// event names the endpoint.
func TestMonitorOrder(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	// One watcher per socket: the order between two sockets' events is not
	// defined.
	serverWatcher := testutil.NewInbox(t, system, 4096)
	watcher := testutil.NewInbox(t, system, 4096)
	owner := testutil.NewInbox(t, system, 64)

	server := testutil.Spawn(t, z, sockets.Spec{Name: "server", Type: sockets.Router}, actors.WithOwner(owner.PID()))
	if err := server.Monitor(ctx, serverWatcher.PID(), evListening, evAccepted, evHandshake); err != nil {
		t.Fatal(err)
	}
	ep, err := server.Bind(ctx, "tcp://127.0.0.1:*")
	if err != nil {
		t.Fatal(err)
	}
	if got := eventsUntil(t, serverWatcher, "server", ep, evListening, evListening); len(got) != 1 {
		t.Fatalf("server: %v", got)
	}

	client := testutil.Spawn(t, z, sockets.Spec{Name: "client", Type: sockets.Dealer,
		Options: []sockets.Option{sockets.ReconnectInterval(10 * time.Millisecond), sockets.Linger(0)}})
	if err := client.Monitor(ctx, watcher.PID()); err != nil { // every kind
		t.Fatal(err)
	}
	if err := client.Connect(ctx, ep); err != nil {
		t.Fatal(err)
	}
	relevant := []messages.SocketEventKind{evConnected, evHandshake, evDisconnected, evRetried}
	var seq [][]messages.SocketEventKind
	got := eventsUntil(t, watcher, "client", ep, evHandshake, relevant...)
	seq = append(seq, got)
	if !slices.Equal(got, []messages.SocketEventKind{evConnected, evHandshake}) {
		t.Fatalf("client, connect: %v, want CONNECTED, HANDSHAKE_SUCCEEDED", got)
	}
	if got := eventsUntil(t, serverWatcher, "server", ep, evHandshake, evAccepted, evHandshake); !slices.Equal(got, []messages.SocketEventKind{evAccepted, evHandshake}) {
		t.Fatalf("server, peer connects: %v, want ACCEPTED, HANDSHAKE_SUCCEEDED", got)
	}

	// The peer stops.
	if _, err := server.CloseLinger(ctx, 0); err != nil {
		t.Fatal(err)
	}
	got = eventsUntil(t, watcher, "client", ep, evRetried, relevant...)
	seq = append(seq, got)
	if !slices.Equal(got, []messages.SocketEventKind{evDisconnected, evRetried}) {
		t.Fatalf("client, server stopped: %v, want DISCONNECTED, CONNECT_RETRIED", got)
	}

	// The peer returns on the same port.
	spawnBound(t, z, "server-again", ep, owner)
	got = eventsUntil(t, watcher, "client", ep, evHandshake, relevant...)
	seq = append(seq, got)
	retries := 0
	for retries < len(got) && got[retries] == evRetried {
		retries++
	}
	if !slices.Equal(got[retries:], []messages.SocketEventKind{evConnected, evHandshake}) {
		t.Fatalf("client, server back: %v, want CONNECT_RETRIED..., CONNECTED, HANDSHAKE_SUCCEEDED", got)
	}
	t.Logf("client's events: %v", seq)
}

// TestMonitorValues: the value of each event is what the kind says: a file
// descriptor for LISTENING, ACCEPTED and CONNECTED, the reconnect wait in
// milliseconds (ZMQ_RECONNECT_IVL plus a jitter below it) for
// CONNECT_RETRIED.
func TestMonitorValues(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	watcher := testutil.NewInbox(t, system, 4096)
	owner := testutil.NewInbox(t, system, 64)
	server := testutil.Spawn(t, z, sockets.Spec{Name: "server", Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(owner.PID()))
	if err := server.Monitor(ctx, watcher.PID(), evAccepted); err != nil {
		t.Fatal(err)
	}
	client := testutil.Spawn(t, z, sockets.Spec{Name: "client", Type: sockets.Dealer,
		Options: []sockets.Option{sockets.ReconnectInterval(50 * time.Millisecond), sockets.Linger(0)}})
	if err := client.Monitor(ctx, watcher.PID(), evConnected, evRetried); err != nil {
		t.Fatal(err)
	}
	if err := client.Connect(ctx, server.Endpoint()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]*messages.SocketEvent{}
	for len(seen) < 2 {
		ev := testutil.Expect[*messages.SocketEvent](t, watcher, testutil.Wait)
		seen[ev.GetSocket()] = ev
	}
	for _, ev := range seen {
		if ev.GetValue() < 3 { // a descriptor after stdin, stdout, stderr
			t.Fatalf("%v: value %d is not a file descriptor", ev.GetKind(), ev.GetValue())
		}
	}
	if _, err := server.CloseLinger(ctx, 0); err != nil {
		t.Fatal(err)
	}
	ev := testutil.Expect[*messages.SocketEvent](t, watcher, testutil.Wait)
	if ev.GetKind() != evRetried || ev.GetValue() < 50 || ev.GetValue() >= 100 {
		t.Fatalf("after the server stopped: %v, want CONNECT_RETRIED with a wait in [50, 100) ms", ev)
	}
}

// TestMonitorSurvivesRestart: the watchers are kept across a restart, and
// the restarted socket is monitored before it binds again, so its watcher
// (here the owner, by a Monitor sent without a sender) sees LISTENING on
// the same endpoint, then ACCEPTED for a new peer.
func TestMonitorSurvivesRestart(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	owner := testutil.NewInbox(t, system, 256)
	pull := testutil.Spawn(t, z, sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}},
		actors.WithOwner(owner.PID()), actors.WithFaultInjection())
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	ep := pull.Endpoint()
	// No sender: the owner is the watcher. The fault comes after it, in
	// the same mailbox.
	system.Root.Send(pull.PID(), &messages.Monitor{Kinds: []messages.SocketEventKind{evListening, evAccepted}})
	system.Root.Send(pull.PID(), &messages.InjectFault{Reason: "monitor test"})
	var restarted, listening bool
	deadline := time.After(testutil.Wait)
	for !restarted || !listening {
		select {
		case m := <-owner.C():
			switch m := m.(type) {
			case *messages.Started:
				restarted = m.GetRestarts() == 1
			case *messages.SocketEvent:
				if m.GetKind() != evListening || m.GetEndpoint() != ep || !restarted {
					t.Fatalf("event %v (restarted: %v), want LISTENING on %s after Started", m, restarted, ep)
				}
				listening = true
			case *messages.Error:
				t.Fatalf("error: %v", sockets.ErrorFromProto(m))
			}
		case <-deadline:
			t.Fatalf("restarted %v, LISTENING %v within %v", restarted, listening, testutil.Wait)
		}
	}
	if _, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{ep}}); err != nil {
		t.Fatal(err)
	}
	if ev := testutil.Expect[*messages.SocketEvent](t, owner, testutil.Wait); ev.GetKind() != evAccepted || ev.GetEndpoint() != ep {
		t.Fatalf("after the restart: %v, want ACCEPTED on %s", ev, ep)
	}
}

// chanActor is an actor that hands its messages to a channel, spawned
// under a name of the test's choosing.
func chanActor(system *actor.ActorSystem, name string) (*actor.PID, chan any, error) {
	c := make(chan any, 1024)
	pid, err := system.Root.SpawnNamed(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case actor.SystemMessage, actor.AutoReceiveMessage:
		default:
			c <- m
		}
	}), name)
	return pid, c, err
}

type marker struct{}

// TestMonitorWatcherStops: a watcher that stops is removed: an actor that
// takes its place under the same PID receives nothing, while another
// watcher goes on receiving the events.
func TestMonitorWatcherStops(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	// A client that connects to a port where no one listens retries every
	// 10 ms or so: a steady stream of CONNECT_RETRIED.
	client := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Dealer, Options: []sockets.Option{sockets.ReconnectInterval(10 * time.Millisecond), sockets.Linger(0)}})
	// A port that was free a moment ago. (Not one of a socket closed just
	// before: libzmq closes its listener in the I/O thread a little later,
	// and a DEALER that reaches a PUSH listener meets an incompatible peer,
	// which libzmq 4.3 takes for a protocol error: DISCONNECTED, and no
	// reconnect ever.)
	nobody := testutil.FreeEndpoint(t)
	other := testutil.NewInbox(t, system, 4096)
	gone, goneC, err := chanActor(system, "monitor-watcher")
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Monitor(ctx, gone, evRetried); err != nil {
		t.Fatal(err)
	}
	if err := client.Monitor(ctx, other.PID()); err != nil {
		t.Fatal(err)
	}
	if err := client.Connect(ctx, nobody); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-goneC:
		if ev, ok := m.(*messages.SocketEvent); !ok || ev.GetKind() != evRetried {
			t.Fatalf("watcher got %v", m)
		}
	case <-time.After(testutil.Wait):
		t.Fatal("the watcher got no event")
	}
	if err := system.Root.StopFuture(gone).Wait(); err != nil {
		t.Fatal(err)
	}
	// A round trip: whatever the socket actor was doing when the watcher
	// stopped is done, and the Terminated handled.
	if _, err := client.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	again, againC, err := chanActor(system, "monitor-watcher")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Equal(gone) {
		t.Fatalf("new actor %v, want the PID %v", again, gone)
	}
	for range 5 {
		testutil.Expect[*messages.SocketEvent](t, other, testutil.Wait)
	}
	if _, err := client.Stats(ctx); err != nil { // the events' sends are done
		t.Fatal(err)
	}
	system.Root.Send(again, marker{})
	select {
	case m := <-againC:
		if _, ok := m.(marker); !ok {
			t.Fatalf("the stopped watcher's PID still gets events: %v", m)
		}
	case <-time.After(testutil.Wait):
		t.Fatal("no marker")
	}
	if err := system.Root.StopFuture(again).Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestMonitorBadKinds: SOCKET_EVENT_KIND_UNSPECIFIED, or a number that is
// no kind, is refused with ERROR_CODE_INVALID_OPTION, from the Socket
// method and from a plain request alike, and the socket goes on.
func TestMonitorBadKinds(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	inbox := testutil.NewInbox(t, system, 16)
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push})
	err := push.Monitor(ctx, inbox.PID(), evListening, messages.SocketEventKind_SOCKET_EVENT_KIND_UNSPECIFIED)
	if !errors.Is(err, actors.ErrBadOption) {
		t.Fatalf("Monitor(UNSPECIFIED) = %v, want ErrBadOption", err)
	}
	res, err := system.Root.RequestFuture(push.PID(), &messages.Monitor{Kinds: []messages.SocketEventKind{99}}, testutil.Wait).Result()
	if e, ok := res.(*messages.Error); err != nil || !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_OPTION || e.GetOperation() != "monitor" {
		t.Fatalf("Monitor(99): %v, %v", res, err)
	}
	if err := push.Monitor(ctx, nil); err == nil {
		t.Fatal("Monitor with no watcher succeeded")
	}
	// An actor that asks without naming a watcher is the watcher (not a
	// future: the socket actor watches its watchers, and a protoactor
	// future takes the Watch for its result). The answer lists every kind
	// for none.
	answers := make(chan any, 2)
	asker := system.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		switch m := c.Message().(type) {
		case *actor.Started:
			c.Request(push.PID(), &messages.Monitor{})
			c.Request(push.PID(), &messages.Unmonitor{})
		case *messages.Monitoring, *messages.Error:
			answers <- m
		}
	}))
	defer system.Root.Stop(asker)
	for i, want := range [][]messages.SocketEventKind{sockets.EventKinds(), nil} {
		select {
		case res := <-answers:
			if m, ok := res.(*messages.Monitoring); !ok || !slices.Equal(m.GetKinds(), want) {
				t.Fatalf("answer %d: %v, want Monitoring of %v", i, res, want)
			}
		case <-time.After(testutil.Wait):
			t.Fatalf("no answer %d", i)
		}
	}
	if err := push.Unmonitor(ctx, inbox.PID()); err != nil { // not a watcher: fine
		t.Fatal(err)
	}
	if _, err := push.SendWait(ctx, []byte("still fine")); err != nil {
		t.Fatal(err)
	}
}

// TestMonitorNoLeaks starts and stops monitors many times, with the kinds
// changing (each change restarts libzmq's monitor on a new inproc PAIR),
// and spawns and closes monitored sockets: every file descriptor is given
// back and every goroutine ends.
func TestMonitorNoLeaks(t *testing.T) {
	run := func(cycles int) {
		system := actor.NewActorSystem(actor.WithLoggerFactory(actors.QuietLogger))
		z, err := actors.NewRuntime(system)
		if err != nil {
			t.Fatal(err)
		}
		ctx := testutil.Ctx(t)
		watcher := actors.NewInbox(system, 1<<16)
		server := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Router, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(watcher.PID()))
		kinds := sockets.EventKinds()
		for i := range cycles {
			if err := server.Monitor(ctx, watcher.PID(), kinds[:1+i%len(kinds)]...); err != nil {
				t.Fatalf("cycle %d: %v", i, err)
			}
			if i%3 == 2 {
				if err := server.Unmonitor(ctx, watcher.PID()); err != nil {
					t.Fatalf("cycle %d: %v", i, err)
				}
			}
			if i%10 == 0 {
				client, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Dealer, Connects: []string{server.Endpoint()}})
				if err != nil {
					t.Fatalf("cycle %d: %v", i, err)
				}
				if err := client.Monitor(ctx, watcher.PID()); err != nil {
					t.Fatalf("cycle %d: %v", i, err)
				}
				if _, err := client.CloseLinger(ctx, 0); err != nil {
					t.Fatalf("cycle %d: %v", i, err)
				}
			}
		}
		if _, err := server.CloseLinger(ctx, 0); err != nil {
			t.Fatal(err)
		}
		watcher.Close()
		sctx, cancel := context.WithTimeout(context.Background(), testutil.Wait)
		defer cancel()
		if err := z.Shutdown(sctx); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		system.Shutdown()
	}
	run(1) // what the process opens once and keeps, such as the netpoller
	before := testutil.OpenFDs(t)
	const cycles = 600
	start := time.Now()
	run(cycles)
	after := testutil.OpenFDs(t)
	t.Logf("open fds: %d before, %d after %d monitor cycles (%v)", before, after, cycles, time.Since(start))
	if after != before {
		t.Fatalf("fd leak: %d open before, %d after", before, after)
	}
	goleak.VerifyNone(t, testutil.LeakOptions()...)
}
