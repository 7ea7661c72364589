package actors_test

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// arrival is a Received as an actor got it: its first frame, socket name
// and sender.
type arrival struct {
	id     string
	socket string
	sender *actor.PID
}

// collectReceived spawns an actor that passes each Received it gets to the channel
// it returns.
func collectReceived(t *testing.T, system *actor.ActorSystem, n int) (*actor.PID, <-chan arrival) {
	t.Helper()
	c := make(chan arrival, n)
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*messages.Received); ok {
			c <- arrival{id: string(m.GetFrames()[0]), socket: m.GetSocket(), sender: ctx.Sender()}
		}
	}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return pid, c
}

// expectArrivals waits for the messages "0" to n-1, in order, from socket
// name sent by the socket actor from, skipping warm-up messages "w".
func expectArrivals(t *testing.T, c <-chan arrival, n int, name string, from *actor.PID) {
	t.Helper()
	timeout := time.After(testutil.Wait)
	for i := 0; i < n; i++ {
		select {
		case a := <-c:
			if a.id == "w" {
				i--
				continue
			}
			if a.id != strconv.Itoa(i) || a.socket != name || !a.sender.Equal(from) {
				t.Fatalf("message %d: got %q from socket %q, sender %v; want %d from %q, sender %v", i, a.id, a.socket, a.sender, i, name, from)
			}
		case <-timeout:
			t.Fatalf("got %d of %d messages", i, n)
		}
	}
}

// TestPerMessageBursts: with one actor message per message both ways, bursts
// of Send and Publish commands (which the socket actor sends a burst at a
// time, sockets.CoalesceSends) arrive whole and in order, each as a
// Received of its own with the receiving socket actor as sender (the
// delivery roles take them from one allocation per batch); a GetStats
// behind a burst counts all of it; and two subscribers of one message
// each get it.
func TestPerMessageBursts(t *testing.T) {
	system, z := testutil.NewSystem(t)
	ctx := testutil.Ctx(t)
	const n = 20000
	owner, got := collectReceived(t, system, n)
	pull := testutil.Spawn(t, z, sockets.Spec{Name: "pull", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(owner))
	push := testutil.Spawn(t, z, sockets.Spec{Name: "push", Type: sockets.Push, Connects: pull.Bound(), SendQueueLimit: n})
	for i := range n {
		system.Root.Send(push.PID(), &messages.Send{Frames: [][]byte{[]byte(strconv.Itoa(i))}})
	}
	st, err := push.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.GetSent()+uint64(st.GetSendQueueLength()) != n || st.GetRefused() != 0 {
		t.Errorf("stats behind the burst: %v; want %d sent or in the send queue", st, n)
	}
	expectArrivals(t, got, n, "pull", pull.PID())

	pub := testutil.Spawn(t, z, sockets.Spec{Name: "pub", Type: sockets.Pub, Binds: []string{"tcp://127.0.0.1:*"},
		Options: []sockets.Option{sockets.SendHWM(0)}})
	sub := testutil.Spawn(t, z, sockets.Spec{Name: "sub", Type: sockets.Sub, Connects: pub.Bound(),
		Options: []sockets.Option{sockets.ReceiveHWM(0)}})
	s1, got1 := collectReceived(t, system, n+1000)
	s2, got2 := collectReceived(t, system, n+1000)
	for _, s := range []*actor.PID{s1, s2} {
		if err := sub.Subscribe(ctx, s, ""); err != nil {
			t.Fatal(err)
		}
	}
	// A PUB drops what it sends before the subscription reaches it: warm
	// up until both subscribers have a message.
	for _, c := range []<-chan arrival{got1, got2} {
		deadline := time.After(testutil.Wait)
	warm:
		for {
			if err := pub.Publish("w"); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c:
				break warm
			case <-time.After(time.Millisecond):
			case <-deadline:
				t.Fatal("no warm-up message arrived")
			}
		}
	}
	if _, err := pub.Stats(ctx); err != nil { // every warm-up message is in ZeroMQ
		t.Fatal(err)
	}
	for i := range n {
		system.Root.Send(pub.PID(), &messages.Publish{Topic: []byte(strconv.Itoa(i))})
	}
	for _, c := range []<-chan arrival{got1, got2} {
		expectArrivals(t, c, n, "sub", sub.PID())
	}
}

// TestBusySocketDoesNotStarveOthers: while one PUSH→PULL pair carries a
// flood of messages, one actor message per message both ways, a message
// through another pair arrives long before the flood ends: a socket actor
// drains and sends at most a batch per turn, and a burst of Sends is held
// back at most a batch at a time, so a busy socket never keeps the others
// from their turns.
func TestBusySocketDoesNotStarveOthers(t *testing.T) {
	system, z := testutil.NewSystem(t)
	const n = 200000
	var flooded atomic.Int64
	first := make(chan struct{})
	floodOwner := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if _, ok := ctx.Message().(*messages.Received); ok {
			if flooded.Add(1) == 1 {
				close(first)
			}
		}
	}))
	t.Cleanup(func() { _ = system.Root.StopFuture(floodOwner).Wait() })
	quietOwner, quiet := collectReceived(t, system, 1)
	pullA := testutil.Spawn(t, z, sockets.Spec{Name: "a", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(floodOwner))
	pushA := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: pullA.Bound(), SendQueueLimit: n})
	pullB := testutil.Spawn(t, z, sockets.Spec{Name: "b", Type: sockets.Pull, Binds: []string{"tcp://127.0.0.1:*"}}, actors.WithOwner(quietOwner))
	pushB := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: pullB.Bound()})
	frames := [][]byte{make([]byte, 64)}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for range n {
			system.Root.Send(pushA.PID(), &messages.Send{Frames: frames})
		}
	}()
	defer func() { <-sent }()
	select {
	case <-first:
	case <-time.After(testutil.Wait):
		t.Fatal("no message of the flood arrived")
	}
	if err := pushB.Send([]byte("0")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-quiet:
	case <-time.After(testutil.Wait):
		t.Fatalf("the other pair's message did not arrive; %d of the flood did", flooded.Load())
	}
	if got := flooded.Load(); got >= n {
		t.Errorf("the other pair's message arrived after the whole flood (%d messages)", got)
	}
}
