package acrossnodes_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// expectDone fails the test unless s's Done is closed within testutil.Wait.
func expectDone(t *testing.T, s *actors.Socket, why string) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(testutil.Wait):
		t.Fatalf("%s: Done of %s not closed within %v", why, s.Name(), testutil.Wait)
	}
}

// TestHandlesOnAnotherNode: socket actors spawned by the factory of
// another node, driven from this one through their handles; their owner,
// subscriber, monitor watcher and handler are actors of this node.
func TestHandlesOnAnotherNode(t *testing.T) {
	system, z := thisNode(t)
	n := startNode(t, "node", "-factory")
	ctx := testutil.Ctx(t)
	factory := actors.FactoryAt(n.address)
	tcp := []string{"tcp://127.0.0.1:*"}

	// Request/reply: a ROUTER there whose handler is here, a DEALER there.
	handler := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: append(r.GetFrames(), []byte("handled here"))})
		}
	}))
	srv, err := z.SpawnAt(ctx, factory, sockets.Spec{Name: "server", Type: sockets.Router, Binds: tcp},
		actors.WithHandler(handler, actors.ServeOptions{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if srv.PID().GetAddress() != n.address || srv.Name() != "server" || srv.Type() != sockets.Router {
		t.Fatalf("handle on %s %q %v, want the server on %s", srv.PID(), srv.Name(), srv.Type(), n.address)
	}
	cli, err := z.SpawnAt(ctx, factory, sockets.Spec{Type: sockets.Dealer, Connects: srv.Bound()})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := cli.Request(ctx, [][]byte{[]byte("ping")}, actors.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.GetFrames(); len(got) != 2 || string(got[0]) != "ping" || string(got[1]) != "handled here" {
		t.Fatalf("reply %q", got)
	}
	if st, err := srv.RequestStats(ctx); err != nil || st.GetHandled() != 1 || st.GetAnswered() != 1 {
		t.Fatalf("server's request stats %v, %v", st, err)
	}

	// Publish/subscribe: an XPUB there owned here, a SUB there whose
	// subscriber is here.
	owner := testutil.NewInbox(t, system, 64)
	pub, err := z.SpawnAt(ctx, factory, sockets.Spec{Type: sockets.XPub, Binds: tcp}, actors.WithOwner(owner.PID()))
	if err != nil {
		t.Fatal(err)
	}
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	sub, err := z.SpawnAt(ctx, factory, sockets.Spec{Type: sockets.Sub, Connects: pub.Bound()})
	if err != nil {
		t.Fatal(err)
	}
	subscriber := testutil.NewInbox(t, system, 64)
	if err := sub.Subscribe(ctx, subscriber.PID(), "weather."); err != nil {
		t.Fatal(err)
	}
	if ps := testutil.Expect[*messages.PeerSubscription](t, owner, testutil.Wait); !ps.GetSubscribe() || string(ps.GetPrefix()) != "weather." {
		t.Fatalf("the XPUB's owner got %v", ps)
	}
	if err := pub.Publish("weather.", []byte("sunny")); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Expect[*messages.Received](t, subscriber, testutil.Wait).GetFrames(); string(got[1]) != "sunny" {
		t.Fatalf("the subscriber here got %q", got)
	}

	// Monitor: the watcher is here; a second SUB's handshake with the
	// XPUB is an event of the XPUB.
	watcher := testutil.NewInbox(t, system, 64)
	if err := pub.Monitor(ctx, watcher.PID(), messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED); err != nil {
		t.Fatal(err)
	}
	if _, err := z.SpawnAt(ctx, factory, sockets.Spec{Type: sockets.Sub, Connects: pub.Bound()}); err != nil {
		t.Fatal(err)
	}
	if ev := testutil.Expect[*messages.SocketEvent](t, watcher, testutil.Wait); ev.GetKind() != messages.SocketEventKind_SOCKET_EVENT_KIND_HANDSHAKE_SUCCEEDED {
		t.Fatalf("the watcher here got %v", ev)
	}
	if st, err := pub.Stats(ctx); err != nil || st.GetSent() != 1 {
		t.Fatalf("the XPUB's stats %v, %v", st, err)
	}

	// Close through the handle: Done closes when the actor there stopped.
	if _, err := cli.Close(ctx); err != nil {
		t.Fatal(err)
	}
	expectDone(t, cli, "after Close")
	if _, err := cli.Stats(ctx); !errors.Is(err, actors.ErrClosed) {
		t.Fatalf("Stats of a closed handle: %v, want ErrClosed", err)
	}

	// The node is lost: the others' Done close too.
	n.kill()
	for _, s := range []*actors.Socket{srv, pub, sub} {
		expectDone(t, s, "after the node was killed")
	}
}

// TestFactoryOnAnotherNodeRefuses: bad input to a factory on another node
// is answered with errors that keep their sentinels, and leaves nothing
// running there; a factory that is not running, or a node that is not
// there, is ErrNoFactory.
func TestFactoryOnAnotherNodeRefuses(t *testing.T) {
	system, z := thisNode(t)
	n := startNode(t, "node", "-factory")
	ctx := testutil.Ctx(t)
	factory := actors.FactoryAt(n.address)
	_, secret, err := sockets.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	curve := sockets.Spec{Type: sockets.Rep, Options: []sockets.Option{sockets.CurveServer(secret)}}
	echo := actors.WithHandler(n.pid("echo"), actors.ServeOptions{})

	for name, tt := range map[string]struct {
		m    *messages.SpawnSocket
		want error
	}{
		"unknown type": {&messages.SpawnSocket{Spec: &messages.SocketSpec{Type: 42}}, sockets.ErrUnknownType},
		"bad endpoint": {&messages.SpawnSocket{Spec: sockets.Spec{Type: sockets.Push, Binds: []string{"tcp://no-such-host.invalid:1"}}.Proto()}, sockets.ErrBadEndpoint},
		"secret key": {&messages.SpawnSocket{Spec: curve.Proto(),
			Serve: &messages.Serve{Target: &messages.Serve_Handler{Handler: actors.Ref(n.pid("echo"))}}}, sockets.ErrInsecureLink},
	} {
		res := tell(t, system, factory, tt.m)
		e, ok := res.(*messages.Error)
		if !ok {
			t.Fatalf("%s: the factory answered %T, want an Error", name, res)
		}
		if err := sockets.ErrorFromProto(e); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", name, err, tt.want)
		}
	}
	// SpawnAt does not even send the secret key to a remote without TLS.
	if _, err := z.SpawnAt(ctx, factory, curve, echo); !errors.Is(err, actors.ErrInsecureLink) {
		t.Fatalf("SpawnAt with a secret key to a remote without TLS: %v, want ErrInsecureLink", err)
	}
	st, ok := tell(t, system, factory, &messages.GetFactoryStats{}).(*messages.FactoryStats)
	if !ok || st.GetRefused() != 3 || st.GetSpawned() != 0 || st.GetSockets() != 0 || st.GetEncrypted() {
		t.Fatalf("factory stats %v: want 3 refused, nothing spawned or running, not encrypted", st)
	}

	// Not running: a node without a factory of that name, and no node.
	if _, err := z.SpawnAt(ctx, n.pid("no-factory"), sockets.Spec{Type: sockets.Push}); !errors.Is(err, actors.ErrNoFactory) {
		t.Fatalf("SpawnAt a factory that is not running: %v, want ErrNoFactory", err)
	}
	nobody := testutil.FreeEndpoint(t)[len("tcp://"):]
	if _, err := z.SpawnAt(ctx, actors.FactoryAt(nobody), sockets.Spec{Type: sockets.Push}); !errors.Is(err, actors.ErrNoFactory) {
		t.Fatalf("SpawnAt a node that is not there: %v, want ErrNoFactory", err)
	}

	// A factory that allows secrets in clear text takes them, when the
	// caller sends them.
	lenient := startNode(t, "lenient", "-factory", "-clear")
	s, err := z.SpawnAt(ctx, actors.FactoryAt(lenient.address), curve, actors.WithHandler(lenient.pid("echo"), actors.ServeOptions{}),
		actors.WithSecretsInClear())
	if err != nil {
		t.Fatalf("a factory with secrets in clear text allowed: %v", err)
	}
	if _, err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
