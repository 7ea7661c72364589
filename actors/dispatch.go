package actors

import (
	"runtime"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// dispatcher runs socket actors' mailboxes on a few long-lived goroutines
// instead of a new goroutine each time a mailbox gets work, protoactor's
// default. Two costs go away:
//
//   - Stack growth. A new goroutine starts with a small stack, and a socket
//     actor's turn (the mailbox, the middleware, a command, a cgo call) grows
//     it, which Go does by copying: profiled at 28% of the CPU of
//     DEALER→ROUTER with 16 requests in flight, where mailboxes empty after
//     every message or two. A pooled goroutine keeps its grown stack.
//   - Wake-ups. Turns wait in a queue, and a worker that finishes one takes
//     the next without parking. A worker is woken (or started) only while
//     fewer than GOMAXPROCS are running: more could not run at once anyway.
//     Handing each turn to a parked goroutine cost a wake-up per turn (a
//     futex call and a trip through the scheduler): 6-12% more requests per
//     second with 16 in flight without it (A/B in one process).
//
// Schedule never blocks. A turn that blocks holds its worker, so the queue
// would wait behind it: a watchdog, armed while turns wait and every worker
// is busy, starts one more worker when no turn has started for stallAfter.
// Workers beyond the idle limit end when the queue is empty; all end at
// stop.
type dispatcher struct {
	throughput int
	maxActive  int // workers woken or started for queued turns, at most
	maxIdle    int // parked workers kept, at most
	stall      time.Duration

	mu     sync.Mutex
	cond   *sync.Cond // parked workers wait here
	queue  []func()   // turns waiting, from head on
	head   int
	active int    // workers running turns or woken to
	idle   int    // workers parked on cond
	waking int    // parked workers signalled and not yet running
	starts uint64 // turns taken from the queue, ever: the watchdog's progress
	watch  *time.Timer
	seen   uint64 // starts when the watchdog was armed
	armed  bool
	wg     sync.WaitGroup
	done   bool
}

// The socket actors' dispatcher: protoactor's default throughput (messages
// per mailbox turn), at most this many idle workers kept, and how long
// queued turns may see no progress before another worker starts. The
// watchdog is a safety net for turns that block, which they should not: at
// 2 ms its timer, firing every 2 ms while turns queued, added 30 µs to a
// median round trip on one CPU (45 → 75-80 µs); at 20 ms, nothing measurable.
const (
	dispatchThroughput = 300
	dispatchIdle       = 16
	stallAfter         = 20 * time.Millisecond
)

func newDispatcher(throughput, maxIdle int) *dispatcher {
	d := &dispatcher{throughput: throughput, maxActive: runtime.GOMAXPROCS(0), maxIdle: maxIdle, stall: stallAfter}
	d.cond = sync.NewCond(&d.mu)
	return d
}

var _ actor.Dispatcher = (*dispatcher)(nil)

func (d *dispatcher) Throughput() int { return d.throughput }

func (d *dispatcher) Schedule(fn func()) {
	d.mu.Lock()
	if d.done {
		d.mu.Unlock()
		go fn() // after stop: as protoactor's default does
		return
	}
	d.queue = append(d.queue, fn)
	switch {
	case d.active < d.maxActive:
		d.startWorker()
	case !d.armed:
		// Every worker is busy: one of them takes the turn when it is
		// done, unless a turn blocks; the watchdog finds out.
		d.armed, d.seen = true, d.starts
		if d.watch == nil {
			d.watch = time.AfterFunc(d.stall, d.check)
		} else {
			d.watch.Reset(d.stall)
		}
	}
	d.mu.Unlock()
}

// startWorker wakes a parked worker, or starts one, for the queue. d.mu is
// held.
func (d *dispatcher) startWorker() {
	d.active++
	if d.idle > d.waking {
		d.waking++
		d.cond.Signal()
		return
	}
	d.wg.Add(1)
	go d.worker()
}

// check is the watchdog: turns wait and none has started since it was
// armed, so every worker is held by a turn that blocks. One more worker
// takes the queue.
func (d *dispatcher) check() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.armed = false
	if d.done || d.head == len(d.queue) {
		return
	}
	if d.starts == d.seen {
		d.startWorker()
	}
	d.armed, d.seen = true, d.starts
	d.watch.Reset(d.stall)
}

// pop takes the next turn. d.mu is held.
func (d *dispatcher) pop() (func(), bool) {
	if d.head == len(d.queue) {
		if d.head > 0 {
			d.queue, d.head = d.queue[:0], 0
		}
		return nil, false
	}
	fn := d.queue[d.head]
	d.queue[d.head] = nil
	d.head++
	d.starts++
	if d.head >= 1024 && d.head*2 >= len(d.queue) {
		// Under steady load the queue may never run empty: drop the
		// taken half rather than let the slice grow for ever.
		n := copy(d.queue, d.queue[d.head:])
		clear(d.queue[n:])
		d.queue, d.head = d.queue[:n], 0
	}
	return fn, true
}

func (d *dispatcher) worker() {
	defer d.wg.Done()
	d.mu.Lock()
	for {
		if fn, ok := d.pop(); ok {
			d.mu.Unlock()
			fn()
			d.mu.Lock()
			continue
		}
		d.active--
		if d.done || d.idle >= d.maxIdle {
			d.mu.Unlock()
			return
		}
		d.idle++
		d.cond.Wait()
		d.idle--
		if d.waking == 0 { // woken by stop
			d.mu.Unlock()
			return
		}
		d.waking--
	}
}

// stop ends the idle workers and waits for the busy ones to finish the
// queue; later work runs on goroutines of its own.
func (d *dispatcher) stop() {
	d.mu.Lock()
	if d.done {
		d.mu.Unlock()
		return
	}
	d.done = true
	if d.watch != nil {
		d.watch.Stop()
	}
	d.cond.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
}
