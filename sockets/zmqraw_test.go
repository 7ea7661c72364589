package sockets

import (
	"runtime"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// TestEventsRetriesEINTR: reading ZMQ_EVENTS makes libzmq look at the
// socket's command pipe with poll, which a signal interrupts, and libzmq
// then fails the read with EINTR. The Go runtime signals its threads at
// any time (SIGURG, to preempt goroutines), so the loop's own read of
// ZMQ_EVENTS must retry as pebbe/zmq4's does: an error there makes the
// socket unusable, and its actor restarts, losing what waited in ZeroMQ
// (TestNoLostWakeupPureReceiver once stalled so under -race).
func TestEventsRetriesEINTR(t *testing.T) {
	ctx := testContext(t)
	s, err := Open(ctx, Spec{Type: Pull, Binds: []string{"inproc://eintr"}}, Hooks{Signal: func(*Signal) {}, Deliver: func([][]byte) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(nil)
	if !rawLayout() {
		t.Fatal("pebbe/zmq4's socket handle cannot be reached: events() would not use its own read")
	}
	// Interrupt this thread, the one that reads, as often as the kernel
	// lets another thread signal it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pid, tid := unix.Getpid(), unix.Gettid()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = unix.Tgkill(pid, tid, unix.SIGURG)
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	const reads = 20_000
	for i := range reads {
		if _, err := s.events(); err != nil {
			t.Fatalf("read %d of ZMQ_EVENTS, with the thread signalled meanwhile: %v", i, err)
		}
	}
}
