package actors_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/zmqactor/zmqactor/actors"
	"github.com/zmqactor/zmqactor/internal/testutil"
	"github.com/zmqactor/zmqactor/messages"
	"github.com/zmqactor/zmqactor/sockets"
)

// The no-lost-wake-up tests: one per case that a readiness rule of
// sockets/doc.go guards, each over tcp and inproc and with GOMAXPROCS 1 and
// 4. Senders send in bursts of random size with random pauses (the pauses
// are the thing under test); receivers wait for every message with a
// deadline, so a lost wake-up shows as a stall.

const wakeupMessages = 200_000

func transports() []string { return []string{"tcp://127.0.0.1:*", "inproc://wakeup-%d"} }

func endpoint(tmpl string, i int) string {
	if tmpl == "tcp://127.0.0.1:*" {
		return tmpl
	}
	return fmt.Sprintf(tmpl, i)
}

func forProcs(t *testing.T, f func(t *testing.T)) {
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			f(t)
		})
	}
}

// bursts sends n numbered messages through send in random bursts with
// random pauses.
func bursts(n int, seed uint64, send func(seq uint64) error) error {
	r := rand.New(rand.NewPCG(seed, 1))
	for sent := 0; sent < n; {
		burst := min(1+r.IntN(5000), n-sent)
		for range burst {
			if err := send(uint64(sent)); err != nil {
				return err
			}
			sent++
		}
		time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
	}
	return nil
}

func seqFrame(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// receiveAll reads n Received messages from inbox and checks they are
// numbered in order from 0.
func receiveAll(t *testing.T, inbox *actors.Inbox, n int, socket string) {
	t.Helper()
	next := uint64(0)
	stall := time.NewTimer(testutil.Wait)
	defer stall.Stop()
	for next < uint64(n) {
		select {
		case m := <-inbox.C():
			r, ok := m.(*messages.Received)
			if !ok || (socket != "" && r.Socket != socket) {
				continue
			}
			if got := binary.BigEndian.Uint64(r.Frames[len(r.Frames)-1]); got != next {
				t.Fatalf("message %d arrived as number %d", next, got)
			}
			next++
			if next%1000 == 0 {
				stall.Reset(testutil.Wait)
			}
		case <-stall.C:
			t.Fatalf("stalled after %d of %d messages: a lost wake-up", next, n)
		}
	}
}

// TestNoLostWakeupPureReceiver: a PULL that only receives (rule 2, the
// waiter's level check before parking).
func TestNoLostWakeupPureReceiver(t *testing.T) {
	for i, tr := range transports() {
		t.Run(tr[:3], func(t *testing.T) {
			forProcs(t, func(t *testing.T) {
				system, z := testutil.NewSystem(t)
				inbox := actors.NewInbox(system, 4096)
				defer inbox.Close()
				ctx := testutil.Ctx(t)
				pull, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{endpoint(tr, i)}}, actors.WithOwner(inbox.PID()))
				if err != nil {
					t.Fatal(err)
				}
				push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{pull.Endpoint()}, SendQueueLimit: wakeupMessages})
				if err != nil {
					t.Fatal(err)
				}
				errc := make(chan error, 1)
				go func() {
					errc <- bursts(wakeupMessages, uint64(i), func(seq uint64) error { return push.Send(seqFrame(seq)) })
				}()
				receiveAll(t, inbox, wakeupMessages, "")
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// TestNoLostWakeupSendAndReceive: two DEALERs that both send and receive
// at once (rule 3, the re-check after sends).
func TestNoLostWakeupSendAndReceive(t *testing.T) {
	const each = wakeupMessages / 2
	for i, tr := range transports() {
		t.Run(tr[:3], func(t *testing.T) {
			forProcs(t, func(t *testing.T) {
				system, z := testutil.NewSystem(t)
				inA, inB := actors.NewInbox(system, 4096), actors.NewInbox(system, 4096)
				defer inA.Close()
				defer inB.Close()
				ctx := testutil.Ctx(t)
				a, err := z.Spawn(ctx, sockets.Spec{Name: "a", Type: sockets.Dealer, Binds: []string{endpoint(tr, 10+i)}, SendQueueLimit: each},
					actors.WithOwner(inA.PID()))
				if err != nil {
					t.Fatal(err)
				}
				b, err := z.Spawn(ctx, sockets.Spec{Name: "b", Type: sockets.Dealer, Connects: []string{a.Endpoint()}, SendQueueLimit: each},
					actors.WithOwner(inB.PID()))
				if err != nil {
					t.Fatal(err)
				}
				errc := make(chan error, 2)
				go func() { errc <- bursts(each, 100+uint64(i), func(seq uint64) error { return a.Send(seqFrame(seq)) }) }()
				go func() { errc <- bursts(each, 200+uint64(i), func(seq uint64) error { return b.Send(seqFrame(seq)) }) }()
				done := make(chan struct{})
				go func() { defer close(done); receiveAll(t, inA, each, "a") }()
				receiveAll(t, inB, each, "b")
				<-done
				for range 2 {
					if err := <-errc; err != nil {
						t.Fatal(err)
					}
				}
				st, err := b.Stats(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if st.Rechecks == 0 || st.Received != each || st.Sent != each {
					t.Fatalf("stats of b: %v", st)
				}
			})
		})
	}
}

// TestNoLostWakeupConnectedBeforeStart: messages already waiting when the
// socket actor starts, over an inproc pipe that gives no signal for them
// (rule 1: drain once before the first arm).
func TestNoLostWakeupConnectedBeforeStart(t *testing.T) {
	forProcs(t, func(t *testing.T) {
		system, z := testutil.NewSystem(t)
		inbox := actors.NewInbox(system, 4096)
		defer inbox.Close()
		ctx := testutil.Ctx(t)
		// The PUSH connects before anything binds: ZeroMQ keeps its messages in
		// the pipe and attaches the pipe, messages inside, when the PULL
		// binds while it opens. No signal tells the PULL about them.
		const n = 500 // under the default high-water marks, so ZeroMQ takes all
		push, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Push, Connects: []string{"inproc://before-start"}})
		if err != nil {
			t.Fatal(err)
		}
		for seq := range uint64(n) {
			if queued, err := push.SendWait(ctx, seqFrame(seq)); err != nil || queued {
				t.Fatalf("send %d: queued %v, %v", seq, queued, err)
			}
		}
		if _, err := z.Spawn(ctx, sockets.Spec{Type: sockets.Pull, Binds: []string{"inproc://before-start"}}, actors.WithOwner(inbox.PID())); err != nil {
			t.Fatal(err)
		}
		receiveAll(t, inbox, n, "")
	})
}
