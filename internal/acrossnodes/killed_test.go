package acrossnodes_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestKilledNode: socket actors of this node whose owner, subscriber,
// monitor watcher, server handler and client asker live on another node,
// which is killed with SIGKILL. protoactor remote reports the actors that
// this node watches on the lost node as Terminated (AddressTerminated), so
// each socket actor goes on as for local actors that stopped: the
// subscriber is dropped and its prefix unsubscribed on the wire, being the
// last; the server reports its handler gone and fails its requests; the
// client answers the dead asker's requests into the void and serves the
// others; the socket actor whose owner died goes on.
func TestKilledNode(t *testing.T) {
	system, z := thisNode(t)
	n := startNode(t, "doomed")
	ctx := testutil.Ctx(t)
	relayed := testutil.NewInbox(t, system, 256) // what the node's relay receives
	if _, ok := tell(t, system, n.pid("relay"), actors.Ref(relayed.PID())).(*messages.ActorRef); !ok {
		t.Fatal("the relay did not take its target")
	}
	tcp := []string{"tcp://127.0.0.1:*"}

	// A subscriber there, beside one here, on prefixes of their own. The
	// XPUB's owner sees the SUB's subscriptions on the wire.
	xpubEvents := testutil.NewInbox(t, system, 64)
	pub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.XPub, Binds: tcp}, actors.WithOwner(xpubEvents.PID()))
	sub := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Sub, Connects: pub.Bound()})
	local := testutil.NewInbox(t, system, 64)
	if err := sub.Subscribe(ctx, local.PID(), "live."); err != nil {
		t.Fatal(err)
	}
	if err := sub.Subscribe(ctx, n.pid("relay"), "doomed."); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"live.", "doomed."} {
		if ps := testutil.Expect[*messages.PeerSubscription](t, xpubEvents, testutil.Wait); !ps.GetSubscribe() || string(ps.GetPrefix()) != want {
			t.Fatalf("XPUB's owner got %v, want a subscription to %q", ps, want)
		}
	}
	if err := pub.Publish("doomed.", []byte("before")); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Expect[*messages.Received](t, relayed, testutil.Wait).GetFrames(); string(got[1]) != "before" {
		t.Fatalf("the subscriber there got %q", got)
	}

	// A server whose handler is there, with a request held by it when
	// the node dies; failed requests are answered "failed: why".
	srvEvents := testutil.NewInbox(t, system, 64)
	srv := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Router, Binds: tcp}, actors.WithOwner(srvEvents.PID()),
		actors.WithHandler(n.pid("echo"), actors.ServeOptions{Timeout: testutil.Wait,
			FailureReply: func(why string) [][]byte { return [][]byte{[]byte("failed: " + why)} }}))
	cli := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Dealer, Connects: srv.Bound()})
	if reply, err := cli.Request(ctx, [][]byte{[]byte("ping")}); err != nil || string(reply.GetFrames()[1]) != "node "+n.address {
		t.Fatalf("the handler there answered %v, %v", reply, err)
	}
	held := make(chan *messages.Reply, 1)
	go func() {
		reply, err := cli.Request(ctx, [][]byte{[]byte("hold")}, actors.WithTimeout(testutil.Wait))
		if err != nil {
			reply = &messages.Reply{Frames: [][]byte{[]byte(err.Error())}}
		}
		held <- reply
	}()

	// A socket actor owned there, and watched by the relay there.
	pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Binds: tcp}, actors.WithOwner(n.pid("relay")))
	testutil.Expect[*messages.Started](t, relayed, testutil.Wait)
	if err := pull.Monitor(ctx, n.pid("relay"), messages.SocketEventKind_SOCKET_EVENT_KIND_ACCEPTED); err != nil {
		t.Fatal(err)
	}
	push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: pull.Bound()})
	testutil.Expect[*messages.SocketEvent](t, relayed, testutil.Wait)
	if err := push.Send([]byte("owned there")); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Expect[*messages.Received](t, relayed, testutil.Wait).GetFrames(); string(got[0]) != "owned there" {
		t.Fatalf("the owner there got %q", got)
	}

	// A client whose asker is there: its three requests wait at a ROUTER
	// here that answers only when told.
	backend := testutil.NewInbox(t, system, 64)
	router := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Router, Binds: tcp}, actors.WithOwner(backend.PID()))
	asked := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Dealer, Connects: router.Bound()})
	if _, ok := tell(t, system, n.pid("asker"), actors.Ref(asked.PID())).(*messages.ActorRef); !ok {
		t.Fatal("the asker did not take its client")
	}
	var requests [][][]byte
	for len(requests) < 3 {
		if r, ok := testutil.Next(t, backend, testutil.Wait).(*messages.Received); ok {
			requests = append(requests, r.GetFrames())
		}
	}

	// The node dies.
	n.kill()
	select {
	case <-n.gone:
	case <-time.After(testutil.Wait):
		t.Fatal("this node did not see the other one go")
	}

	// The subscriber: dropped, and its prefix unsubscribed on the wire.
	if ps := testutil.Expect[*messages.PeerSubscription](t, xpubEvents, testutil.Wait); ps.GetSubscribe() || string(ps.GetPrefix()) != "doomed." {
		t.Fatalf("XPUB's owner got %v, want the unsubscription of doomed.", ps)
	}
	if st, err := sub.Stats(ctx); err != nil || st.GetSubscribers() != 1 || st.GetSubscriptions() != 1 {
		t.Fatalf("SUB stats %v, %v: want one subscriber, one prefix", st, err)
	}
	if err := pub.Publish("live.", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if got := testutil.Expect[*messages.Received](t, local, testutil.Wait).GetFrames(); string(got[1]) != "after" {
		t.Fatalf("the subscriber here got %q", got)
	}

	// The server: the held request failed for its handler gone, and the
	// next fails at once, for the same reason.
	select {
	case reply := <-held:
		if got := string(reply.GetFrames()[0]); got != "failed: the handler stopped" {
			t.Fatalf("the held request was answered %q", got)
		}
	case <-time.After(testutil.Wait):
		t.Fatal("the request held by the dead handler was not answered")
	}
	if reply, err := cli.Request(ctx, [][]byte{[]byte("anyone?")}); err != nil || string(reply.GetFrames()[0]) != "failed: the handler stopped" {
		t.Fatalf("a request after the handler's node died: %v, %v", reply, err)
	}
	if e := testutil.Expect[*messages.Error](t, srvEvents, testutil.Wait); !errors.Is(sockets.ErrorFromProto(e), actors.ErrHandlerFailed) ||
		!strings.Contains(e.GetMessage(), "the handler stopped") {
		t.Fatalf("the server's owner got %v", e)
	}

	// The client: the dead asker's replies go into the void, and the
	// client serves this node's requests as before.
	for _, r := range requests {
		if err := router.Send(r...); err != nil { // the request echoed is its reply
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := asked.Request(ctx, [][]byte{[]byte("still there?")}, actors.WithTimeout(testutil.Wait))
		done <- err
	}()
	for {
		r, ok := testutil.Next(t, backend, testutil.Wait).(*messages.Received)
		if ok {
			if err := router.Send(r.GetFrames()...); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("a request from here after the asker's node died: %v", err)
	}
	if st, err := asked.RequestStats(ctx); err != nil || st.GetReplies() != 4 || st.GetInFlight() != 0 {
		t.Fatalf("client stats %v, %v: want 4 replies and none in flight", st, err)
	}

	// The socket actor owned there goes on.
	if _, err := pull.Stats(ctx); err != nil {
		t.Fatalf("the socket actor whose owner died: %v", err)
	}
}
