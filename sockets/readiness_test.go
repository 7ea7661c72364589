package sockets

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/internal/testutil/wakeup"
)

// The no-lost-wake-up tests at the level of a Socket and its owner, one per
// case that a readiness rule of doc.go guards: a pure receiver (rule 2), a
// socket that sends and receives at once (rule 3), a socket that holds
// messages before its owner processes anything (rule 1), and an idle socket
// that binds or connects to waiting messages (rule 5); rule 4's is
// TestSendQueueFlushes in loop_test.go. Senders send
// numbered messages in bursts of random size (1..5000) with random pauses
// (0..3 ms) between them, the pauses being what gives a waiter the chance
// to park and miss an edge; receivers check every message, in order, and a
// lost wake-up shows as no progress for readinessStall (package
// internal/testutil/wakeup, shared with actors/wakeup_test.go, has the
// senders and the checks).
//
// Each test was seen to stall, in every run, with its rule taken out of
// the package, and to pass with it; rule 3 only in the variants
// without high-water marks, where sends go straight to ZeroMQ instead of
// through the send queue, whose flush re-reads ZMQ_EVENTS anyway.

const (
	readinessMessages = 200_000
	readinessStall    = 10 * time.Second
)

// numbered is message seq of kind, as the frames of a Send.
func numbered(kind byte, seq uint64) [][]byte {
	return [][]byte{wakeup.Numbered(kind, seq)}
}

// rig is one test's ZeroMQ context and the first failure of any of its
// owners.
type rig struct {
	t     *testing.T
	ctx   *ZMQContext
	fails chan error
}

// newRig returns a rig whose context is terminated when the test ends:
// cleanups run last first, so the owners, registered later, close their
// sockets before.
func newRig(t *testing.T) *rig {
	t.Helper()
	return &rig{t: t, ctx: testContext(t), fails: make(chan error, 1)}
}

func (r *rig) fail(err error) {
	select {
	case r.fails <- err:
	default:
	}
}

// gatedOwner runs a Socket the way a socket actor does, like owner in
// loop_test.go, except that its loop starts only with start: a socket can
// be opened and its peers can send to it before the owner handles anything,
// as when a socket actor's mailbox has not run yet.
type gatedOwner struct {
	r       *rig
	name    string
	mailbox *mailbox
	gate    chan struct{}
	done    chan struct{}
	started bool // test goroutine only
	once    sync.Once
	sock    *Socket

	// Set before open; called on the owner goroutine.
	deliver   func(frames [][]byte)
	afterTurn func()
}

func (r *rig) owner(name string) *gatedOwner {
	g := &gatedOwner{r: r, name: name, mailbox: newMailbox(), gate: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(g.done)
		<-g.gate
		for {
			f, ok := g.mailbox.pop()
			if !ok {
				return
			}
			f()
		}
	}()
	r.t.Cleanup(g.close)
	return g
}

// receiver returns the owner of a PULL, not started and with no socket
// yet, that checks with q the n numbered originals it is to receive.
func (r *rig) receiver(n int) (*gatedOwner, *wakeup.Sequence) {
	q := wakeup.NewSequence("pull", n, 0)
	pull := r.owner("pull")
	pull.deliver = func(frames [][]byte) { q.See(frames) }
	return pull, q
}

func (g *gatedOwner) start() {
	if !g.started {
		g.started = true
		close(g.gate)
	}
}

func (g *gatedOwner) hooks() Hooks {
	return Hooks{
		Signal: func(sig *Signal) {
			g.mailbox.push(func() {
				if err := g.sock.Handle(sig); err != nil {
					g.r.fail(fmt.Errorf("%s: handle: %w", g.name, err))
				}
				if g.afterTurn != nil {
					g.afterTurn()
				}
			})
		},
		Deliver: func(frames [][]byte) { g.deliver(frames) },
		Report:  func(err error) { g.r.fail(fmt.Errorf("%s: %w", g.name, err)) },
	}
}

// open opens the socket: before start on the test goroutine, which the
// loop goroutine then follows (close of gate), else on the owner goroutine.
func (g *gatedOwner) open(spec Spec) {
	g.r.t.Helper()
	var err error
	open := func() { g.sock, err = Open(g.r.ctx, spec, g.hooks()) }
	if g.started {
		g.do(open)
	} else {
		open()
	}
	if err != nil {
		g.r.t.Fatalf("%s: open %v: %v", g.name, spec.Type, err)
	}
}

// do runs f on the owner goroutine and waits for it; the owner must have
// started.
func (g *gatedOwner) do(f func()) {
	g.r.t.Helper()
	ran := make(chan struct{})
	g.mailbox.push(func() { f(); close(ran) })
	select {
	case <-ran:
	case <-time.After(readinessStall):
		g.r.t.Fatalf("%s: the owner did not run a call within %v", g.name, readinessStall)
	}
}

// send queues a Send of frames to the owner, as a command to a socket actor.
func (g *gatedOwner) send(frames [][]byte) {
	g.mailbox.push(func() {
		if _, err := g.sock.Send(frames); err != nil {
			g.r.fail(fmt.Errorf("%s: send: %w", g.name, err))
		}
	})
}

// bound returns the socket's resolved endpoints.
func (g *gatedOwner) bound() (eps []string) {
	g.r.t.Helper()
	if g.started {
		g.do(func() { eps = g.sock.Bound() })
		return eps
	}
	return g.sock.Bound()
}

func (g *gatedOwner) stats() (st Stats) {
	g.r.t.Helper()
	g.do(func() { st = g.sock.Stats() })
	return st
}

func (g *gatedOwner) close() {
	g.once.Do(func() {
		g.start()
		g.do(func() {
			if g.sock != nil {
				linger := time.Duration(0)
				if _, err := g.sock.Close(&linger); err != nil {
					g.r.t.Errorf("%s: close: %v", g.name, err)
				}
			}
		})
		g.mailbox.close()
		<-g.done
	})
}

// wait waits until every sequence is complete; it fails when one of them
// makes no progress for readinessStall, or an owner fails.
func (r *rig) wait(qs ...*wakeup.Sequence) {
	r.t.Helper()
	wakeup.Wait(r.t, readinessStall, r.fails, qs...)
}

// readinessTransport is a subtest's name, the endpoint to bind, and
// options for both sockets.
type readinessTransport struct {
	name, endpoint string
	options        []Option
}

// readinessTransports returns tcp and inproc, each with ZeroMQ's default
// high-water marks, where most of a burst waits in the send queue and is
// flushed as POLLOUT shows, and with none, where every send goes straight
// to ZeroMQ (no send queue) and only rule 3 finds what a send left behind.
func readinessTransports(name string) []readinessTransport {
	noHWM := []Option{SendHWM(0), ReceiveHWM(0)}
	return []readinessTransport{
		{"tcp", "tcp://127.0.0.1:*", nil},
		{"inproc", "inproc://" + name, nil},
		{"tcp no hwm", "tcp://127.0.0.1:*", noHWM},
		{"inproc no hwm", "inproc://" + name + "-no-hwm", noHWM},
	}
}

// TestReadinessPureReceiver guards rule 2: a PULL only receives, so its
// waiter parks after every burst and must not forget an edge that came
// before it parked.
func TestReadinessPureReceiver(t *testing.T) {
	for _, tr := range readinessTransports("pure-receiver") {
		t.Run(tr.name, func(t *testing.T) {
			r := newRig(t)
			pull, q := r.receiver(readinessMessages)
			pull.start()
			pull.open(Spec{Type: Pull, Options: tr.options, Binds: []string{tr.endpoint}})
			push := r.owner("push")
			push.start()
			push.open(Spec{Type: Push, Options: tr.options, Connects: pull.bound(), SendQueueLimit: readinessMessages})
			wakeup.Bursts(t, readinessMessages, func(seq uint64) error { push.send(numbered(wakeup.Original, seq)); return nil })
			r.wait(q)
			if st := pull.stats(); st.Received != readinessMessages {
				t.Fatalf("pull stats %+v", st)
			}
			st := push.stats()
			t.Logf("pull wakeups %d; push sent %d, %d of them through the send queue", pull.stats().Wakeups, st.Sent, st.Queued)
		})
	}
}

// TestReadinessSendAndReceive guards rule 3: two DEALERs send bursts to each
// other and each echoes what the other sent, so sends and receives
// interleave on both sockets and a send may take the signal of a message
// that is then waiting with the waiter parked. Each side sends
// readinessMessages/2 of its own, so readinessMessages originals and as many
// echoes cross.
func TestReadinessSendAndReceive(t *testing.T) {
	const each = readinessMessages / 2
	for _, tr := range readinessTransports("send-and-receive") {
		t.Run(tr.name, func(t *testing.T) {
			r := newRig(t)
			dealer := func(name string) (*gatedOwner, *wakeup.Sequence) {
				g, q := r.owner(name), wakeup.NewSequence(name, each, each)
				g.deliver = func(frames [][]byte) {
					if kind, seq, ok := q.See(frames); ok && kind == wakeup.Original {
						g.send(numbered(wakeup.Echo, seq))
					}
				}
				g.start()
				return g, q
			}
			a, qa := dealer("a")
			b, qb := dealer("b")
			a.open(Spec{Type: Dealer, Options: tr.options, Binds: []string{tr.endpoint}, SendQueueLimit: 2 * each})
			b.open(Spec{Type: Dealer, Options: tr.options, Connects: a.bound(), SendQueueLimit: 2 * each})
			wakeup.Bursts(t, each, func(seq uint64) error { a.send(numbered(wakeup.Original, seq)); return nil })
			wakeup.Bursts(t, each, func(seq uint64) error { b.send(numbered(wakeup.Original, seq)); return nil })
			r.wait(qa, qb)
			for _, g := range []*gatedOwner{a, b} {
				st := g.stats()
				t.Logf("%s: %+v", g.name, st)
				if st.Received != 2*each || st.Sent != 2*each {
					t.Fatalf("%s: received %d and sent %d, want %d each", g.name, st.Received, st.Sent, 2*each)
				}
				if st.Rechecks == 0 {
					t.Fatalf("%s: no re-check after sends (rule 3 not exercised)", g.name)
				}
			}
		})
	}
}

// TestReadinessBeforeOwner guards rule 1 at start: messages reach a socket
// before its owner handles anything, and must all be received once it
// starts, with no further traffic to wake it. Open asks for a first turn
// instead of arming the waiter, because a pipe attached with messages in it
// gives no signal.
func TestReadinessBeforeOwner(t *testing.T) {
	const n = 800 // under the high-water marks: ZeroMQ takes every message
	// connectsAfterBind is the case of a peer that connects once the PULL
	// has bound ep.
	connectsAfterBind := func(ep string) func(t *testing.T, r *rig, pull *gatedOwner) {
		return func(t *testing.T, r *rig, pull *gatedOwner) {
			pull.open(Spec{Type: Pull, Binds: []string{ep}})
			push := r.owner("push")
			push.start()
			push.open(Spec{Type: Push, Connects: pull.bound()})
			sendAll(t, push, n, false)
		}
	}
	cases := []struct {
		name string
		// run opens the peer, a PUSH that sends n, and the PULL, whose
		// owner has not started; the order of the two is the case.
		run func(t *testing.T, r *rig, pull *gatedOwner)
	}{
		{"inproc peer connected before bind", func(t *testing.T, r *rig, pull *gatedOwner) {
			push := r.owner("push")
			push.start()
			push.open(Spec{Type: Push, Connects: []string{"inproc://before-owner-1"}})
			sendAll(t, push, n, false)
			pull.open(Spec{Type: Pull, Binds: []string{"inproc://before-owner-1"}})
		}},
		{"inproc peer bound before connect", func(t *testing.T, r *rig, pull *gatedOwner) {
			push := r.owner("push")
			flushed := make(chan struct{})
			push.afterTurn = func() {
				if push.sock.Stats().Sent == n && push.sock.Queued() == 0 {
					select {
					case <-flushed:
					default:
						close(flushed)
					}
				}
			}
			push.start()
			push.open(Spec{Type: Push, Binds: []string{"inproc://before-owner-2"}, SendQueueLimit: n})
			sendAll(t, push, n, true) // no peer yet: all wait in the send queue
			pull.open(Spec{Type: Pull, Connects: []string{"inproc://before-owner-2"}})
			select {
			case <-flushed: // every message is in the pull's pipe now
			case err := <-r.fails:
				t.Fatal(err)
			case <-time.After(readinessStall):
				t.Fatal("the push did not flush its send queue once the pull connected")
			}
		}},
		{"inproc peer connects after bind", connectsAfterBind("inproc://before-owner-3")},
		{"tcp peer connects after bind", connectsAfterBind("tcp://127.0.0.1:*")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			pull, q := r.receiver(n)
			c.run(t, r, pull)
			pull.start()
			r.wait(q)
			if st := pull.stats(); st.Received != n {
				t.Fatalf("pull stats %+v", st)
			}
		})
	}
}

// sendAll sends n numbered messages on g's goroutine and checks that each
// was queued or not as expected.
func sendAll(t *testing.T, g *gatedOwner, n int, wantQueued bool) {
	t.Helper()
	var err error
	g.do(func() {
		for seq := range uint64(n) {
			var queued bool
			if queued, err = g.sock.Send(numbered(wakeup.Original, seq)); err == nil && queued != wantQueued {
				err = fmt.Errorf("message %d queued %v, want %v", seq, queued, wantQueued)
			}
			if err != nil {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadinessAttachAtRuntime guards rule 5: an idle socket, its waiter
// armed, binds or connects over inproc to a peer whose messages are waiting,
// and the pipe is attached inside that call with no signal for what is in
// it (bind) or will come (connect). The re-check after Bind and Connect
// finds them.
func TestReadinessAttachAtRuntime(t *testing.T) {
	const n = 800
	for _, c := range []struct {
		name string
		bind bool
	}{{"bind", true}, {"connect", false}} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			pull, q := r.receiver(n)
			pull.start()
			pull.open(Spec{Type: Pull})
			push := r.owner("push")
			push.start()
			ep := "inproc://at-runtime"
			var err error
			if c.bind {
				push.open(Spec{Type: Push, Connects: []string{ep}})
				sendAll(t, push, n, false) // into the pipe, waiting for a binder
				pull.do(func() { _, err = pull.sock.Bind(ep) })
			} else {
				push.open(Spec{Type: Push, Binds: []string{ep}, SendQueueLimit: n})
				sendAll(t, push, n, true) // into the send queue: no peer yet
				pull.do(func() { err = pull.sock.Connect(ep) })
			}
			if err != nil {
				t.Fatal(err)
			}
			r.wait(q)
		})
	}
}
