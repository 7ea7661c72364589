package sockets

import (
	"fmt"
	"testing"
	"time"
)

// TestCountersCount sends multipart messages of various sizes from a PUSH
// to a PULL over tcp, with a high-water mark low enough that many wait in
// the send queue, and checks that the Counters of both sides agree with
// what went through and with the sockets' own Stats.
func TestCountersCount(t *testing.T) {
	ctx := testContext(t)
	const n = 5000
	var pullCounters, pushCounters Counters
	pull, push := newOwner(t), newOwner(t)
	hooks := pull.hooks()
	hooks.Counters = &pullCounters
	pull.openWith(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}}, hooks)
	var ep string
	pull.do(func() { ep = pull.sock.Bound()[0] })
	hooks = push.hooks()
	hooks.Counters = &pushCounters
	push.openWith(ctx, Spec{Type: Push, Connects: []string{ep}, Options: []Option{SendHWM(10)}, SendQueueLimit: n}, hooks)
	var bytes uint64
	push.do(func() {
		for i := range n {
			frames := [][]byte{[]byte(fmt.Sprint(i)), make([]byte, i%100), nil}
			bytes += frameBytes(frames)
			if _, err := push.sock.Send(frames); err != nil {
				t.Errorf("send: %v", err)
			}
		}
	})
	deadline := time.After(20 * time.Second)
	for i := range n {
		select {
		case <-pull.received:
		case <-deadline:
			t.Fatalf("got %d of %d", i, n)
		}
	}
	var pushStats, pullStats Stats
	push.do(func() { pushStats = push.sock.Stats() })
	pull.do(func() { pullStats = pull.sock.Stats() })
	if pushStats.Queued == 0 {
		t.Errorf("no send waited in the queue: the test does not cover it")
	}
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"sent", pushCounters.MessagesSent.Load(), n},
		{"bytes sent", pushCounters.BytesSent.Load(), bytes},
		{"received", pullCounters.MessagesReceived.Load(), n},
		{"bytes received", pullCounters.BytesReceived.Load(), bytes},
		{"queued", pushCounters.Queued.Load(), pushStats.Queued},
		{"refused", pushCounters.Refused.Load(), 0},
		{"dropped", pushCounters.Dropped.Load(), 0},
		{"queue depth", uint64(pushCounters.QueueDepth.Load()), 0},
		{"push received", pushCounters.MessagesReceived.Load(), 0},
		{"pull sent", pullCounters.MessagesSent.Load(), 0},
		{"pull stats", pullStats.Received, n},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	push.close()
	pull.close()
}

// TestCountersQueue fills the send queue of a PUSH that has no peer:
// sends wait, then are refused; Close drops what waits; the next Socket
// opened with the same Counters goes on counting.
func TestCountersQueue(t *testing.T) {
	ctx := testContext(t)
	var c Counters
	push := newOwner(t)
	hooks := push.hooks()
	hooks.Counters = &c
	spec := Spec{Type: Push, Binds: []string{"inproc://counters-queue"}, SendQueueLimit: 3}
	open := func() {
		t.Helper()
		push.openWith(ctx, spec, hooks)
	}
	send := func(times int) {
		t.Helper()
		push.do(func() {
			for range times {
				_, _ = push.sock.Send([][]byte{[]byte("x")})
			}
		})
	}
	check := func(step string, queued, refused, dropped uint64, depth int64) {
		t.Helper()
		if q, r, d, l := c.Queued.Load(), c.Refused.Load(), c.Dropped.Load(), c.QueueDepth.Load(); q != queued ||
			r != refused || d != dropped || l != depth || c.MessagesSent.Load() != 0 {
			t.Fatalf("%s: queued %d refused %d dropped %d depth %d sent %d, want %d %d %d %d 0",
				step, q, r, d, l, c.MessagesSent.Load(), queued, refused, dropped, depth)
		}
	}
	open()
	send(5)
	check("5 sends", 3, 2, 0, 3)
	zero := time.Duration(0)
	push.do(func() {
		if unsent, err := push.sock.Close(&zero); unsent != 3 || err != nil {
			t.Errorf("close: %d unsent, %v", unsent, err)
		}
	})
	check("closed", 3, 2, 3, 0)
	// ZeroMQ releases the endpoint in its reaper thread, after Close.
	spec.Binds = []string{"inproc://counters-queue-reopened"}
	open()
	send(1)
	check("reopened", 4, 2, 3, 1)
	push.close()
	check("closed again", 4, 2, 4, 0)
}

// BenchmarkCounters measures what counting one message sent costs a
// Socket: without Counters (nil, no metrics) and with them.
func BenchmarkCounters(b *testing.B) {
	frames := [][]byte{make([]byte, 8), {}, make([]byte, 64)}
	for _, c := range []struct {
		name string
		c    *Counters
	}{{"nil", nil}, {"set", new(Counters)}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				c.c.sent(frames)
			}
		})
	}
}
