package sockets

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

// owner runs a Socket the way a socket actor does: every call on one
// goroutine, signals arriving as messages in a mailbox (here a channel).
type owner struct {
	t        *testing.T
	mailbox  *mailbox
	received chan [][]byte
	reports  chan error
	sock     *Socket
	done     chan struct{}
}

func newOwner(t *testing.T) *owner {
	t.Helper()
	o := &owner{
		t:        t,
		mailbox:  newMailbox(),
		received: make(chan [][]byte, 1<<16),
		reports:  make(chan error, 64),
		done:     make(chan struct{}),
	}
	go func() {
		defer close(o.done)
		for {
			f, ok := o.mailbox.pop()
			if !ok {
				return
			}
			f()
		}
	}()
	return o
}

func (o *owner) hooks() Hooks {
	return Hooks{
		Signal: func(sig *Signal) {
			o.mailbox.push(func() {
				if err := o.sock.Handle(sig); err != nil {
					o.reports <- err
				}
			})
		},
		Deliver: func(frames [][]byte) { o.received <- frames },
		Report:  func(err error) { o.reports <- err },
	}
}

// do runs f on the owner goroutine and waits for it.
func (o *owner) do(f func()) {
	o.t.Helper()
	ran := make(chan struct{})
	o.mailbox.push(func() { f(); close(ran) })
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		o.t.Fatal("owner did not run the call within 10s")
	}
}

// open opens the socket on the owner goroutine, with o's hooks.
func (o *owner) open(ctx *ZMQContext, spec Spec) {
	o.t.Helper()
	o.openWith(ctx, spec, o.hooks())
}

// openWith opens the socket on the owner goroutine, with hooks and opts.
func (o *owner) openWith(ctx *ZMQContext, spec Spec, hooks Hooks, opts ...OpenOption) {
	o.t.Helper()
	var err error
	o.do(func() { o.sock, err = Open(ctx, spec, hooks, opts...) })
	if err != nil {
		o.t.Fatalf("open %v: %v", spec.Type, err)
	}
}

func (o *owner) close() {
	o.t.Helper()
	o.do(func() {
		if o.sock != nil {
			if _, err := o.sock.Close(nil); err != nil {
				o.t.Errorf("close: %v", err)
			}
		}
	})
	o.mailbox.close()
	<-o.done
}

// mailbox is an unbounded FIFO of calls, like an actor's mailbox: pushing
// never blocks, so a Socket may signal its own owner from inside a call.
type mailbox struct {
	mu     sync.Mutex
	items  []func()
	wake   chan struct{}
	closed bool
}

func newMailbox() *mailbox { return &mailbox{wake: make(chan struct{}, 1)} }

func (m *mailbox) push(f func()) {
	m.mu.Lock()
	m.items = append(m.items, f)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *mailbox) pop() (func(), bool) {
	for {
		m.mu.Lock()
		if len(m.items) > 0 {
			f := m.items[0]
			m.items[0] = nil
			m.items = m.items[1:]
			m.mu.Unlock()
			return f, true
		}
		closed := m.closed
		m.mu.Unlock()
		if closed {
			return nil, false
		}
		<-m.wake
	}
}

// TestSendQueueFlushes sends 100,000 messages at once over tcp, so most wait
// in the send queue for the high-water mark to clear. It guards rule 4
// (package doc): without acting on the POLLOUT that ZMQ_EVENTS reports, the
// PUSH stalled at about 11,500 messages with the rest queued.
func TestSendQueueFlushes(t *testing.T) {
	ctx := testContext(t)
	const n = 100000
	pull, push := newOwner(t), newOwner(t)
	pull.open(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}})
	var ep string
	pull.do(func() { ep = pull.sock.Bound()[0] })
	push.open(ctx, Spec{Type: Push, Connects: []string{ep}, SendQueueLimit: n})
	go func() {
		for i := 0; i < n; i++ {
			push.mailbox.push(func() {
				if _, err := push.sock.Send([][]byte{[]byte("hello")}); err != nil {
					t.Errorf("send: %v", err)
				}
			})
		}
	}()
	deadline := time.After(20 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-pull.received:
		case <-deadline:
			t.Fatalf("got %d of %d", i, n)
		}
	}
	push.close()
	pull.close()
}

// TestPauseReceive: a paused socket leaves messages in ZeroMQ, so that the
// high-water marks push back on the sender, also when Deliver pauses in the
// middle of a batch; resuming receives all of them, in order, without a new
// readiness edge.
func TestPauseReceive(t *testing.T) {
	ctx := testContext(t)
	const n, pauseAt = 2000, 500
	pull, push := newOwner(t), newOwner(t)
	hooks := pull.hooks()
	paused := make(chan struct{})
	count := 0
	hooks.Deliver = func(frames [][]byte) {
		count++
		pull.received <- frames
		if count == pauseAt {
			pull.sock.PauseReceive(true)
			close(paused)
		}
	}
	pull.openWith(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}, Options: []Option{ReceiveHWM(10)}}, hooks)
	var ep string
	pull.do(func() { ep = pull.sock.Bound()[0] })
	push.open(ctx, Spec{Type: Push, Connects: []string{ep}, Options: []Option{SendHWM(10)}, SendQueueLimit: n})
	push.do(func() {
		for i := range n {
			if _, err := push.sock.Send([][]byte{[]byte(strconv.Itoa(i))}); err != nil {
				t.Errorf("send: %v", err)
			}
		}
	})
	select {
	case <-paused:
	case <-time.After(20 * time.Second):
		t.Fatal("Deliver never paused")
	}
	// Backpressure: the sender's queue stops moving while the receiver is
	// paused. Wait until the pusher's queue holds what neither side's
	// high-water mark nor the TCP buffers took, and stays there.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for ; ; <-tick.C {
		var queued int
		push.do(func() { queued = push.sock.Queued() })
		var received uint64
		pull.do(func() { received = pull.sock.Stats().Received })
		if received != pauseAt {
			t.Fatalf("received %d messages while paused at %d", received, pauseAt)
		}
		if queued > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sender never met backpressure (queue %d)", queued)
		}
	}
	pull.do(func() {
		if !pull.sock.Paused() {
			t.Error("not paused")
		}
		pull.sock.PauseReceive(false)
	})
	timeout := time.After(20 * time.Second)
	for i := range n {
		select {
		case f := <-pull.received:
			if string(f[0]) != strconv.Itoa(i) {
				t.Fatalf("message %d is %q", i, f[0])
			}
		case <-timeout:
			t.Fatalf("got %d of %d after resuming", i, n)
		}
	}
	push.close()
	pull.close()
}
