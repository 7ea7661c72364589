package actors_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/internal/testutil/wakeup"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The no-lost-wake-up tests at the level of socket actors, one per case
// that a readiness rule of sockets/doc.go guards (sockets/readiness_test.go
// has the same cases on bare sockets): a pure receiver, two sockets that
// send and receive at once, and a socket that holds messages before its
// actor starts; over tcp and inproc, with GOMAXPROCS 1 and 4. Senders send
// numbered messages in bursts of random size (1..5000) with random pauses
// (0..3 ms) between them; the socket's owner, an ordinary actor, checks
// every message, in order, and a lost wake-up shows as no progress for
// testutil.Wait (package internal/testutil/wakeup, shared with
// sockets/readiness_test.go, has the senders and the checks). Each test was seen to stall with its rule taken out of
// the sockets package (rule 3: in the variants without high-water marks).

// wakeupMessages is how many messages cross per transport, split over the
// subtests.
const wakeupMessages = 200_000

// wakeupTransport is a subtest's name, the endpoint to bind, and options
// for both sockets. Every subtest has its own actor system and so its own
// inproc namespace.
type wakeupTransport struct {
	name, endpoint string
	options        []sockets.Option
}

// wakeupTransports returns tcp and inproc with ZeroMQ's default high-water
// marks and, if noHWM, also with none: then every send goes straight to
// ZeroMQ instead of waiting in the send queue, and only the re-check after
// sends (rule 3) finds a message that a send left behind without a signal.
func wakeupTransports(noHWM bool) []wakeupTransport {
	trs := []wakeupTransport{
		{"tcp", "tcp://127.0.0.1:*", nil},
		{"inproc", "inproc://wakeup", nil},
	}
	if noHWM {
		none := []sockets.Option{sockets.SendHWM(0), sockets.ReceiveHWM(0)}
		trs = append(trs,
			wakeupTransport{"tcp no hwm", "tcp://127.0.0.1:*", none},
			wakeupTransport{"inproc no hwm", "inproc://wakeup", none})
	}
	return trs
}

// gomaxprocs are the GOMAXPROCS values every actor-level case runs with.
func gomaxprocs() []int { return []int{1, 4} }

// forProcs runs f as a subtest with each of gomaxprocs.
func forProcs(t *testing.T, f func(t *testing.T)) {
	for _, n := range gomaxprocs() {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", n), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
			f(t)
		})
	}
}

// checker spawns the owner of a socket actor: it checks what the socket
// receives with q and, if echoing, sends each original back through the
// socket actor (the sender of Received), as an application actor would. An
// Error event ends q with that error.
func checker(t *testing.T, system *actor.ActorSystem, q *wakeup.Sequence, echoing bool) *actor.PID {
	t.Helper()
	pid := system.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		switch m := ctx.Message().(type) {
		case *messages.Received:
			if kind, seq, ok := q.See(m.GetFrames()); ok && echoing && kind == wakeup.Original {
				ctx.Send(ctx.Sender(), &messages.Send{Frames: [][]byte{wakeup.Numbered(wakeup.Echo, seq)}})
			}
		case *messages.Error:
			q.End(fmt.Errorf("%s: error event: %v", q.Name(), sockets.ErrorFromProto(m)))
		}
	}))
	t.Cleanup(func() { _ = system.Root.StopFuture(pid).Wait() })
	return pid
}

// TestNoLostWakeupPureReceiver: a PULL socket actor that only receives, so
// its waiter parks after every burst and must not forget an edge that came
// before it parked (rule 2).
func TestNoLostWakeupPureReceiver(t *testing.T) {
	n := wakeupMessages / len(gomaxprocs())
	for _, tr := range wakeupTransports(false) {
		t.Run(tr.name, func(t *testing.T) {
			forProcs(t, func(t *testing.T) {
				system, z := testutil.NewSystem(t)
				ctx := testutil.Ctx(t)
				q := wakeup.NewSequence("pull", n, 0)
				pull := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Pull, Options: tr.options, Binds: []string{tr.endpoint}},
					actors.WithOwner(checker(t, system, q, false)))
				push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Options: tr.options, Connects: []string{pull.Endpoint()}, SendQueueLimit: n})
				wakeup.Bursts(t, n, func(seq uint64) error { return push.Send(wakeup.Numbered(wakeup.Original, seq)) })
				wakeup.Wait(t, testutil.Wait, nil, q)
				if st, err := pull.Stats(ctx); err != nil || st.GetReceived() != uint64(n) {
					t.Fatalf("pull stats %v, %v", st, err)
				}
			})
		})
	}
}

// TestNoLostWakeupSendAndReceive: two DEALER socket actors send bursts to
// each other, and each one's owner echoes what the other sent, so both
// sockets send and receive at once and a send may take the signal of a
// message that then waits with the waiter parked (rule 3). Per transport
// wakeupMessages originals and as many echoes cross, split over the
// subtests.
func TestNoLostWakeupSendAndReceive(t *testing.T) {
	trs := wakeupTransports(true)
	hwms := len(trs) / 2                                  // high-water mark variants per transport
	each := wakeupMessages / hwms / len(gomaxprocs()) / 2 // originals per side per subtest
	for _, tr := range trs {
		t.Run(tr.name, func(t *testing.T) {
			forProcs(t, func(t *testing.T) {
				system, z := testutil.NewSystem(t)
				ctx := testutil.Ctx(t)
				qa, qb := wakeup.NewSequence("a", each, each), wakeup.NewSequence("b", each, each)
				spec := sockets.Spec{Type: sockets.Dealer, Options: tr.options, SendQueueLimit: 2 * each}
				specA, specB := spec, spec
				specA.Name, specA.Binds = "a", []string{tr.endpoint}
				a := testutil.Spawn(t, z, specA, actors.WithOwner(checker(t, system, qa, true)))
				specB.Name, specB.Connects = "b", []string{a.Endpoint()}
				b := testutil.Spawn(t, z, specB, actors.WithOwner(checker(t, system, qb, true)))
				wakeup.Bursts(t, each, func(seq uint64) error { return a.Send(wakeup.Numbered(wakeup.Original, seq)) })
				wakeup.Bursts(t, each, func(seq uint64) error { return b.Send(wakeup.Numbered(wakeup.Original, seq)) })
				wakeup.Wait(t, testutil.Wait, nil, qa, qb)
				for _, s := range []*actors.Socket{a, b} {
					st, err := s.Stats(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if st.GetReceived() != uint64(2*each) || st.GetSent() != uint64(2*each) || st.GetRechecks() == 0 {
						t.Fatalf("stats of %s: %v (want %d received and sent, and re-checks)", s.Name(), st, 2*each)
					}
				}
			})
		})
	}
}

// TestNoLostWakeupConnectedBeforeStart: messages already wait for a PULL
// socket actor when it starts, in an inproc pipe that gives it no signal
// (rule 1: drain once before the first arm).
func TestNoLostWakeupConnectedBeforeStart(t *testing.T) {
	const n = 800 // under the high-water marks, so ZeroMQ takes them all
	cases := []struct {
		name string
		// pushFirst spawns the PUSH and sends n numbered messages; it
		// returns the PULL's spec.
		pushFirst func(t *testing.T, z *actors.Runtime, ep string) sockets.Spec
	}{
		{"push connected, pull binds", func(t *testing.T, z *actors.Runtime, ep string) sockets.Spec {
			// Nothing is bound yet: ZeroMQ keeps the messages in the pipe
			// and attaches it, messages inside, when the PULL binds.
			push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Connects: []string{ep}})
			sendWaitAll(t, push, n, false)
			return sockets.Spec{Type: sockets.Pull, Binds: []string{ep}}
		}},
		{"push bound, pull connects", func(t *testing.T, z *actors.Runtime, ep string) sockets.Spec {
			// No peer yet: the messages wait in the PUSH's send queue and
			// are flushed into the pipe when the PULL connects.
			push := testutil.Spawn(t, z, sockets.Spec{Type: sockets.Push, Binds: []string{ep}, SendQueueLimit: n})
			sendWaitAll(t, push, n, true)
			return sockets.Spec{Type: sockets.Pull, Connects: []string{ep}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forProcs(t, func(t *testing.T) {
				system, z := testutil.NewSystem(t)
				q := wakeup.NewSequence("pull", n, 0)
				spec := c.pushFirst(t, z, "inproc://before-start")
				if _, err := z.Spawn(testutil.Ctx(t), spec, actors.WithOwner(checker(t, system, q, false))); err != nil {
					t.Fatal(err)
				}
				wakeup.Wait(t, testutil.Wait, nil, q)
			})
		})
	}
}

// sendWaitAll sends n numbered originals with SendWait and checks that
// each was queued or not as expected.
func sendWaitAll(t *testing.T, s *actors.Socket, n int, wantQueued bool) {
	t.Helper()
	ctx := testutil.Ctx(t)
	for seq := range uint64(n) {
		if queued, err := s.SendWait(ctx, wakeup.Numbered(wakeup.Original, seq)); err != nil || queued != wantQueued {
			t.Fatalf("send %d: queued %v (want %v), %v", seq, queued, wantQueued, err)
		}
	}
}
