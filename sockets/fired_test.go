package sockets

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// TestFiredRunsTurnInline: an owner whose Hooks.Fired runs its turn on the
// waiter's goroutine, as a socket actor with an idle mailbox does, receives
// there, and may close the socket from that turn: Close must not wait for
// the waiter goroutine that is calling it (it would wait for ever), and
// the goroutine ends once Fired returns.
func TestFiredRunsTurnInline(t *testing.T) {
	ctx := testContext(t)
	var (
		mu      sync.Mutex // one turn at a time, as the owner's contract asks
		s       *Socket
		got     [][]byte
		signals = make(chan *Signal, 64)
		closed  = make(chan error, 1)
		inline  = make(chan struct{}, 1)
	)
	hooks := Hooks{
		Signal:  func(sig *Signal) { signals <- sig },
		Deliver: func(frames [][]byte) { got = append(got, frames[0]) },
	}
	hooks.Fired = func(sig *Signal) {
		mu.Lock()
		defer mu.Unlock()
		if s == nil {
			return
		}
		if err := s.Handle(sig); err != nil {
			t.Errorf("handle: %v", err)
			return
		}
		if len(got) == 0 {
			return
		}
		select {
		case inline <- struct{}{}:
		default:
		}
		_, err := s.Close(nil) // on the waiter's goroutine
		s = nil
		closed <- err
	}
	mu.Lock()
	var err error
	s, err = Open(ctx, Spec{Type: Pull, Binds: []string{"tcp://127.0.0.1:*"}}, hooks)
	if err != nil {
		mu.Unlock()
		t.Fatal(err)
	}
	w, ep := s.rd.w, s.Bound()[0]
	mu.Unlock()
	// Open's first turn, on this goroutine, arms the waiter (rule 1), before
	// the peer connects: from then on only a turn that Fired runs receives.
	select {
	case sig := <-signals:
		mu.Lock()
		if err := s.Handle(sig); err != nil {
			t.Fatalf("first turn: %v", err)
		}
		armed := s.rd.armed
		mu.Unlock()
		if !armed {
			t.Fatal("the first turn did not arm the waiter")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open asked for no first turn")
	}

	push := newOwner(t)
	push.open(ctx, Spec{Type: Push, Connects: []string{ep}})
	t.Cleanup(push.close)
	push.do(func() {
		if _, err := push.sock.Send([][]byte{[]byte("close")}); err != nil {
			t.Errorf("send: %v", err)
		}
	})

	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case sig := <-signals: // the owner's own re-checks, if any
			mu.Lock()
			if s != nil {
				if err := s.Handle(sig); err != nil {
					t.Errorf("handle: %v", err)
				}
			}
			mu.Unlock()
		case err := <-closed:
			if err != nil {
				t.Fatalf("close from the inline turn: %v", err)
			}
			done = true
		case <-deadline:
			t.Fatal("no close from an inline turn within 10s (Close waiting for its own goroutine?)")
		}
	}
	select {
	case <-inline:
	default:
		t.Fatal("the message was not received in a turn that Fired ran")
	}
	mu.Lock()
	if len(got) != 1 || !bytes.Equal(got[0], []byte("close")) {
		t.Errorf("received %q, want one \"close\"", got)
	}
	mu.Unlock()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the waiter goroutine did not end after Fired returned")
	}
}
