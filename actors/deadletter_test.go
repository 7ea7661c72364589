package actors_test

import (
	"testing"

	"github.com/pebbe/zmq4"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestNoDeadLetterStorm: an event for an owner that has stopped is one
// dead letter, not the start of a loop: protoactor answers the socket
// actor with a DeadLetterResponse, which it takes as nothing to do (it
// used to answer it with an Error to the same dead owner, and so on, at
// about 100,000 dead letters a second).
func TestNoDeadLetterStorm(t *testing.T) {
	system, z, log := testutil.NewLoggedSystem(t)
	ctx := testutil.Ctx(t)
	owner := actors.NewInbox(system, 16)
	xpub, err := z.Spawn(ctx, sockets.Spec{Type: sockets.XPub, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.XPubVerbose(true)}}, actors.WithOwner(owner.PID()))
	if err != nil {
		t.Fatal(err)
	}
	testutil.Expect[*messages.Started](t, owner, testutil.Wait)
	owner.Close()
	// A subscription makes the XPUB send its (gone) owner a PeerSubscription.
	sub := testutil.RawSocket(t, zmq4.SUB)
	if err := sub.SetSubscribe("x"); err != nil {
		t.Fatal(err)
	}
	if err := sub.Connect(xpub.Endpoint()); err != nil {
		t.Fatal(err)
	}
	if !testutil.Poll(func() bool { st, err := xpub.Stats(ctx); return err == nil && st.GetReceived() == 1 }) {
		t.Fatal("the subscription never reached the XPUB")
	}
	// Round trips through the socket actor: any loop would have turned
	// many times by the last.
	for range 20 {
		if _, err := xpub.Stats(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(log.DeadLetters()); n > 1 {
		t.Fatalf("%d dead letters, want at most the one PeerSubscription: %v", n, log.DeadLetters()[:min(n, 5)])
	}
}

// TestStopUnwatches: a socket actor that stops no longer watches its
// subscribers, so one that stops later sends no Terminated to a dead
// letter.
func TestStopUnwatches(t *testing.T) {
	system, z, log := testutil.NewLoggedSystem(t)
	ctx := testutil.Ctx(t)
	sub, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Sub, Connects: []string{"inproc://unwatched"}})
	if err != nil {
		t.Fatal(err)
	}
	subscriber := actors.NewInbox(system, 16)
	if err := sub.Subscribe(ctx, subscriber.PID(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	subscriber.Close()
	// A Terminated for the stopped socket actor would have been sent when
	// the subscriber stopped; a round trip through a socket actor spawned
	// after gives it time to be delivered (a dead letter) first.
	probe, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := probe.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range log.DeadLetters() {
		t.Errorf("dead letter %s", d)
	}
}
