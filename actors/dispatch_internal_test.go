package actors

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDispatcher: every scheduled function runs, from many goroutines at
// once, on at most a few kept workers; after stop the idle workers are gone
// and later functions still run.
func TestDispatcher(t *testing.T) {
	d := newDispatcher(300, 4)
	var ran atomic.Int64
	var wg sync.WaitGroup
	const n = 10000
	wg.Add(n)
	for range 8 {
		go func() {
			for range n / 8 {
				d.Schedule(func() { ran.Add(1); wg.Done() })
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%d of %d functions ran", ran.Load(), n)
	}
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	if idle > 4 {
		t.Errorf("%d idle workers, want at most 4", idle)
	}
	d.stop()
	d.mu.Lock()
	if !d.done {
		t.Error("not stopped")
	}
	d.mu.Unlock()
	after := make(chan struct{})
	d.Schedule(func() { close(after) })
	select {
	case <-after:
	case <-time.After(20 * time.Second):
		t.Fatal("a function scheduled after stop did not run")
	}
	d.stop() // idempotent
}

// TestDispatcherBlockedTurns: turns that block hold every worker, and a
// turn queued behind them still runs: the watchdog starts another worker.
func TestDispatcherBlockedTurns(t *testing.T) {
	d := newDispatcher(300, 4)
	defer d.stop()
	release := make(chan struct{})
	var blocked sync.WaitGroup
	blocked.Add(d.maxActive)
	for range d.maxActive {
		d.Schedule(func() { blocked.Done(); <-release })
	}
	blocked.Wait() // every worker is held
	ran := make(chan struct{})
	d.Schedule(func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(20 * time.Second):
		t.Fatal("a turn queued behind blocked workers never ran")
	}
	close(release)
}

// TestDispatcherOrder: with one worker busy the rest of the turns run in
// the order scheduled, and a worker takes them without parking.
func TestDispatcherOrder(t *testing.T) {
	d := newDispatcher(300, 4)
	defer d.stop()
	d.maxActive, d.stall = 1, time.Hour // no second worker
	var got []int
	var mu sync.Mutex
	done := make(chan struct{})
	const n = 1000
	for i := range n {
		d.Schedule(func() {
			mu.Lock()
			got = append(got, i)
			if len(got) == n {
				close(done)
			}
			mu.Unlock()
		})
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("not every turn ran")
	}
	mu.Lock()
	defer mu.Unlock()
	for i, v := range got {
		if v != i {
			t.Fatalf("turn %d ran as number %d", v, i)
		}
	}
}

// TestDispatcherQueueBounded: a queue that never runs empty (a turn always
// waiting behind the running one) does not grow past what waits.
func TestDispatcherQueueBounded(t *testing.T) {
	d := newDispatcher(300, 4)
	defer d.stop()
	d.maxActive, d.stall = 1, time.Hour
	const n = 100000
	done := make(chan struct{})
	var next func(i int) func()
	next = func(i int) func() {
		return func() {
			if i == n {
				close(done)
				return
			}
			d.Schedule(next(i + 1)) // queued behind the one already waiting
		}
	}
	d.Schedule(next(0))
	d.Schedule(func() {})
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the chain of turns did not finish")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := cap(d.queue); c > 4096 {
		t.Errorf("queue capacity %d after %d turns with at most 2 waiting", c, n)
	}
}
