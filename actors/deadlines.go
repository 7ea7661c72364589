package actors

import (
	"container/heap"
	"time"
)

// deadlines is a role's heap of things due at a time (a client's requests
// waiting for replies, a server's waiting for its handler) and the one
// timer that wakes the role for the earliest. The heap outlives restarts,
// as the role does; the timer belongs to one instance: stop ends it, and
// arm with the new instance's wake sets it again.
type deadlines struct {
	items   deadlineHeap
	wake    func() // sends the role its timer message; nil while stopped
	timer   *time.Timer
	timerAt time.Time
}

// deadline is the part of an item the heap keeps.
type deadline struct {
	at    time.Time
	index int // in the heap, or -1
}

type deadlineItem interface{ entry() *deadline }

// add puts it in the heap, due after d.
func (ds *deadlines) add(it deadlineItem, d time.Duration) {
	it.entry().at = time.Now().Add(d)
	heap.Push(&ds.items, it)
	ds.arm(ds.wake)
}

// remove takes it out of the heap, if it is there.
func (ds *deadlines) remove(it deadlineItem) {
	if e := it.entry(); e.index >= 0 {
		heap.Remove(&ds.items, e.index)
	}
}

// arm sets the timer, which calls wake, for the earliest deadline, unless
// it is set for that time or earlier already. A timer that fires early
// finds nothing due and is set again.
func (ds *deadlines) arm(wake func()) {
	ds.wake = wake
	if len(ds.items) == 0 || wake == nil {
		return
	}
	at := ds.items[0].entry().at
	if !ds.timerAt.IsZero() && !at.Before(ds.timerAt) {
		return
	}
	ds.timerAt = at
	if ds.timer == nil {
		ds.timer = time.AfterFunc(time.Until(at), wake)
		return
	}
	ds.timer.Reset(time.Until(at))
}

// expire is the timer's work: it calls each for every item due now, in
// order, while open says the role still has its socket (each may reset
// it), and then sets the timer for the next one.
func (ds *deadlines) expire(open func() bool, each func(deadlineItem)) {
	ds.timerAt = time.Time{}
	now := time.Now()
	for open() && len(ds.items) > 0 && !ds.items[0].entry().at.After(now) {
		each(heap.Pop(&ds.items).(deadlineItem))
	}
	if open() {
		ds.arm(ds.wake)
	}
}

// stop stops the timer until the next arm.
func (ds *deadlines) stop() {
	if ds.timer != nil {
		ds.timer.Stop()
		ds.timer = nil
	}
	ds.timerAt, ds.wake = time.Time{}, nil
}

// clear empties the heap.
func (ds *deadlines) clear() { ds.items = nil }

type deadlineHeap []deadlineItem

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].entry().at.Before(h[j].entry().at) }
func (h deadlineHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].entry().index, h[j].entry().index = i, j
}
func (h *deadlineHeap) Push(x any) {
	x.(deadlineItem).entry().index = len(*h)
	*h = append(*h, x.(deadlineItem))
}
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	x.entry().index = -1
	return x
}

// deadlineTick is the timer message of a role's deadlines, for the
// instance of host h.
type deadlineTick struct {
	ds *deadlines
	h  host
}

func (*deadlineTick) roleMessage() {}

// ticked reports whether tick is the timer message of ds; if it is, and
// it is for the instance of h (not an earlier one's), expire runs.
func (ds *deadlines) ticked(tick *deadlineTick, h host, expire func()) bool {
	if tick.ds != ds {
		return false
	}
	if tick.h == h {
		expire()
	}
	return true
}

// waker returns the wake function of ds for the instance of h: it sends
// the socket actor a deadlineTick.
func (ds *deadlines) waker(h host) func() {
	root, self, tick := h.root(), h.self(), &deadlineTick{ds: ds, h: h}
	return func() { root.Send(self, tick) }
}
