package actors_test

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// TestBinaryStar drives a primary's state machine from a peer played by a
// PUB socket actor: a passive backup makes it active, and it then answers
// a client; a state that is none, and a request without an envelope, are
// dropped and reported; an active peer is fatal: the primary stops.
func TestBinaryStar(t *testing.T) {
	f := newFixture(t)
	peer := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"}})
	owner := f.inbox()
	bs, err := f.z.SpawnBinaryStar(f.ctx, actors.BinaryStarSpec{Primary: true, Owner: owner.PID(),
		Handler:  f.system.Root.Spawn(actor.PropsFromFunc(echo)),
		Frontend: sockets.Spec{Binds: []string{"tcp://127.0.0.1:*"}},
		StatePub: sockets.Spec{Binds: []string{"tcp://127.0.0.1:*"}},
		StateSub: sockets.Spec{Connects: []string{peer.Endpoint()}}, Heartbeat: fastBeat.Interval})
	if err != nil {
		t.Fatal(err)
	}
	state := func() *messages.BinaryStarState {
		t.Helper()
		for {
			_ = peer.Send([]byte("2")) // until the SUB is connected
			select {
			case m := <-owner.C():
				if s, ok := m.(*messages.BinaryStarState); ok {
					return s
				}
			case <-time.After(fastBeat.Interval):
			case <-testutil.Ctx(t).Done():
				t.Fatal("no state change")
			}
		}
	}
	if s := state(); s.GetState() != "ACTIVE" || s.GetReason() != "connected to backup (passive), ready as active" {
		t.Fatalf("state %v", s)
	}
	cli := f.client(sockets.Req, bs.Frontend().Endpoint())
	if r, err := cli.Request(f.ctx, [][]byte{[]byte("hi")}); err != nil || string(r.GetFrames()[0]) != "hi" {
		t.Fatalf("reply %v, %v", r, err)
	}
	_ = peer.Send([]byte("9"))
	awaitError(t, owner, sockets.ErrBadMessage)
	bad, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{bs.Frontend().Endpoint()}})
	_ = bad.Send([]byte("no envelope"))
	awaitError(t, owner, sockets.ErrBadMessage)
	st, err := bs.Frontend().ReliableStats(f.ctx)
	if err != nil || st.GetMalformed() != 2 || st.GetReplies() != 1 || st.GetRole() != "binary star ACTIVE" {
		t.Fatalf("stats %v, %v", st, err)
	}
	_ = peer.Send([]byte("3"))
	for {
		m := testutil.Expect[*messages.BinaryStarState](t, owner, testutil.Wait)
		if m.GetFatal() {
			break
		}
	}
	select {
	case <-bs.Frontend().Done():
	case <-testutil.Ctx(t).Done():
		t.Fatal("the primary did not stop on dual actives")
	}
	if err := bs.Close(f.ctx); err != nil {
		t.Fatal(err)
	}
}
