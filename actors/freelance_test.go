package actors_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// flServer spawns a Freelance server on a free tcp port whose routing id
// is its endpoint, answering with "NAME:" and the request.
func (f *fixture) flServer(name string) *actors.Socket {
	f.t.Helper()
	ep := testutil.FreeEndpoint(f.t)
	h := f.system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if r, ok := ctx.Message().(*messages.Request); ok {
			ctx.Respond(&messages.Reply{Frames: append([][]byte{[]byte(name)}, r.GetFrames()...)})
		}
	}))
	return testutil.Spawn(f.t, f.z, sockets.Spec{Type: sockets.Router, Binds: []string{ep},
		Options: []sockets.Option{sockets.RoutingID([]byte(ep)), sockets.Linger(0)}},
		actors.WithFreelanceServer(h, actors.FreelanceServerOptions{}))
}

// TestFreelance runs requests from a Freelance client over three servers:
// all go to the first one alive; when it closes, the next one takes them,
// and a request sent meanwhile is answered; with no server left a request
// times out.
func TestFreelance(t *testing.T) {
	f := newFixture(t)
	servers := []*actors.Socket{f.flServer("one"), f.flServer("two"), f.flServer("three")}
	var eps []string
	for _, s := range servers {
		eps = append(eps, s.Endpoint())
	}
	cli := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Router, Connects: eps},
		actors.WithFreelanceClient(actors.FreelanceClientOptions{Heartbeat: fastBeat, Timeout: 5 * time.Second}))
	f.waitReliable(cli, "three servers alive", func(st *messages.ReliableStats) bool { return st.GetWorkers() == 3 })
	ask := func(i int) string {
		t.Helper()
		r, err := cli.Request(f.ctx, [][]byte{[]byte(fmt.Sprint(i)), []byte("x")})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if len(r.GetFrames()) != 3 || string(r.GetFrames()[1]) != fmt.Sprint(i) || string(r.GetFrames()[2]) != "x" {
			t.Fatalf("request %d: reply %q", i, r.GetFrames())
		}
		return string(r.GetFrames()[0])
	}
	for i := range 5 {
		if who := ask(i); who != "one" {
			t.Fatalf("request %d answered by %s, want one", i, who)
		}
	}
	if _, err := servers[0].Close(f.ctx); err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 10; i++ {
		if who := ask(i); who != "two" {
			t.Fatalf("request %d answered by %s after one closed, want two", i, who)
		}
	}
	for _, s := range servers[1:] {
		if _, err := s.Close(f.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cli.Request(f.ctx, [][]byte{[]byte("nobody")}, actors.WithTimeout(300*time.Millisecond)); !errors.Is(err, actors.ErrRequestTimeout) {
		t.Fatalf("with no server: %v", err)
	}
	st, err := cli.ReliableStats(f.ctx)
	if err != nil || st.GetReplies() != 10 || st.GetFailures() != 1 || st.GetRole() != "freelance client" {
		t.Fatalf("client stats %v, %v", st, err)
	}
}

// TestFreelanceBadInput: a server and a client drop what is not
// Freelance's, count it and report it, and go on.
func TestFreelanceBadInput(t *testing.T) {
	f := newFixture(t)
	owner := f.inbox()
	ep := testutil.FreeEndpoint(t)
	srv := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Router, Binds: []string{ep},
		Options: []sockets.Option{sockets.RoutingID([]byte(ep))}},
		actors.WithFreelanceServer(f.system.Root.Spawn(actor.PropsFromFunc(echo)), actors.FreelanceServerOptions{}),
		actors.WithOwner(owner.PID()))
	bad, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Connects: []string{ep}})
	_ = bad.Send([]byte("NOT A PING"))
	_ = bad.Send([]byte{}, []byte("x"))
	for range 2 {
		awaitError(t, owner, sockets.ErrBadMessage)
	}
	if st, err := srv.ReliableStats(f.ctx); err != nil || st.GetMalformed() != 2 {
		t.Fatalf("server stats %v, %v", st, err)
	}

	fake, _ := f.rawRouter()
	cOwner := f.inbox()
	cli := testutil.Spawn(t, f.z, sockets.Spec{Type: sockets.Router, Connects: []string{fake.Endpoint()}},
		actors.WithFreelanceClient(actors.FreelanceClientOptions{Heartbeat: fastBeat}), actors.WithOwner(cOwner.PID()))
	// A peer that sends the client nonsense, connected to as a server is.
	peer, _ := f.spawn(sockets.Spec{Type: sockets.Dealer, Binds: []string{"tcp://127.0.0.1:*"}})
	if err := cli.Connect(f.ctx, peer.Endpoint()); err != nil {
		t.Fatal(err)
	}
	_ = peer.Send([]byte("not a number"), []byte("reply"))
	_ = peer.Send([]byte("WHAT"))
	for range 2 {
		awaitError(t, cOwner, sockets.ErrBadMessage)
	}
}
