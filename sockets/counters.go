package sockets

import "sync/atomic"

// Counters count a socket's traffic for metrics, to be read from any
// goroutine. An owner that wants them gives the same Counters to every
// Socket it opens (Hooks.Counters), so they add up across reopens, and
// reads them whenever it likes; without them (nil, the default) a Socket
// counts only its Stats. Only the Socket writes them, on its owner's
// goroutine: an atomic add per change, on memory no other goroutine writes.
//
// Unlike Stats, which start again at zero with each Socket, Counters
// belong to whoever made them.
type Counters struct {
	// MessagesReceived and MessagesSent count whole messages, as Stats
	// does; BytesReceived and BytesSent the sum of their frames' lengths.
	// A message is sent when ZeroMQ took it, which for a queued message is
	// when it left the send queue. Subscription messages that an XSUB sends
	// for its subscription options are not counted.
	MessagesReceived, MessagesSent atomic.Uint64
	BytesReceived, BytesSent       atomic.Uint64
	// Queued counts sends that met the high-water mark and waited in the
	// send queue, Refused sends refused because the queue was full
	// (ErrQueueFull), as Stats does. Dropped counts queued messages that
	// were never sent: refused for good by ZeroMQ when their turn came
	// (reported through Hooks.Report) or still in the queue at Close. What
	// ZeroMQ itself drops (a PUB at its high-water mark, lingering messages
	// discarded at close) cannot be seen and is not counted.
	Queued, Refused, Dropped atomic.Uint64
	// QueueDepth is the number of messages in the send queue of the Socket
	// open now; zero once it is closed.
	QueueDepth atomic.Int64
}

// frameBytes returns the size of a message: the sum of its frames' lengths.
func frameBytes(frames [][]byte) uint64 {
	var n int
	for _, f := range frames {
		n += len(f)
	}
	return uint64(n)
}

// The methods below do nothing on nil Counters, the Socket's default.

func (c *Counters) received(frames [][]byte) {
	if c != nil {
		c.MessagesReceived.Add(1)
		c.BytesReceived.Add(frameBytes(frames))
	}
}

func (c *Counters) sent(frames [][]byte) {
	if c != nil {
		c.MessagesSent.Add(1)
		c.BytesSent.Add(frameBytes(frames))
	}
}

func (c *Counters) queued(depth int) {
	if c != nil {
		c.Queued.Add(1)
		c.QueueDepth.Store(int64(depth))
	}
}

func (c *Counters) refused() {
	if c != nil {
		c.Refused.Add(1)
	}
}

func (c *Counters) dropped(n int) {
	if c != nil && n > 0 {
		c.Dropped.Add(uint64(n))
	}
}

func (c *Counters) depth(n int) {
	if c != nil {
		c.QueueDepth.Store(int64(n))
	}
}
