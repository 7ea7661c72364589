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
