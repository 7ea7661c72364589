package sockets

import (
	"errors"
	"fmt"

	"github.com/pebbe/zmq4"
)

// Send sends one multipart message without blocking. When ZeroMQ is at its
// high-water mark (EAGAIN) the message waits in the send queue, in order
// with later sends, and queued is true; Handle sends it when ZeroMQ takes
// it. Past the queue's limit Send fails with ErrQueueFull and the message is
// not taken. The frames are kept, not copied, until sent: do not modify them.
func (s *Socket) Send(frames [][]byte) (queued bool, err error) {
	if err := s.checkSend(frames); err != nil {
		return false, err
	}
	if s.typ == Req && s.queue.len() > 0 {
		// ZeroMQ would refuse it with EFSM only once the first is sent.
		return false, opError(OpSend, s.name, "", ErrUnsupported, "a REQ socket sends one request at a time, and one waits in the send queue")
	}
	if s.deferred > 0 && s.deferred >= min(DefaultBatch, s.limit) {
		if _, err := s.flush(); err != nil {
			return false, err
		}
	}
	if s.coalesce && s.recheckPending && s.deferred == s.queue.len() && s.deferred < min(DefaultBatch, s.limit) {
		// CoalesceSends: the recheck on its way sends it.
		s.queue.push(frames)
		s.deferred++
		return false, nil
	}
	if s.queue.len() > 0 { // keep order behind what already waits
		if s.queue.len() >= s.limit {
			s.stats.Refused++
			s.hooks.Counters.refused()
			return false, opError(OpSend, s.name, "", ErrQueueFull, fmt.Sprintf("%d messages wait for the high-water mark to clear", s.queue.len()))
		}
		s.enqueue(frames)
		return true, nil
	}
	s.requestRecheck() // rule 3 (package doc)
	switch err := s.sendNow(frames); {
	case err == nil:
		s.countSent(frames)
		return false, nil
	case isAgain(err):
		s.enqueue(frames)
		return true, nil
	default:
		return false, zmqError(OpSend, s.name, "", err)
	}
}

// SendBatch sends several multipart messages in order, as that many calls
// of Send would, with fewer calls into ZeroMQ: those ZeroMQ takes at once
// go in one cgo call. It returns how many of them wait in the send queue.
// Every message is checked first, as Send checks it, and a bad one refuses
// the whole batch; past the queue's limit the rest of the batch is refused
// with ErrQueueFull, after the messages before it were sent or queued
// (sent + queued of them). A REQ socket sends one message at a time:
// SendBatch refuses more.
func (s *Socket) SendBatch(msgs [][][]byte) (queued int, err error) {
	for _, m := range msgs {
		if err := s.checkSend(m); err != nil {
			return 0, err
		}
	}
	if s.typ == Req && len(msgs) > 1 {
		return 0, opError(OpSend, s.name, "", ErrUnsupported, "a REQ socket sends one request at a time")
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	if s.deferred > 0 {
		if _, err := s.flush(); err != nil {
			return 0, err
		}
	}
	if s.queue.len() > 0 {
		return s.queueOrSend(msgs)
	}
	s.requestRecheck() // rule 3 (package doc)
	sent, err := s.sendBatch(msgs)
	for _, m := range msgs[:sent] {
		s.countSent(m)
	}
	switch {
	case err == nil:
		return 0, nil
	case isAgain(err):
		return s.queueOrSend(msgs[sent:])
	default:
		return 0, zmqError(OpSend, s.name, "", err)
	}
}

// enqueue puts a message ZeroMQ refused for now in the send queue and
// counts it.
func (s *Socket) enqueue(frames [][]byte) {
	s.queue.push(frames)
	s.stats.Queued++
	s.hooks.Counters.queued(s.queue.len())
}

// countSent counts a message ZeroMQ took.
func (s *Socket) countSent(frames [][]byte) {
	s.stats.Sent++
	s.hooks.Counters.sent(frames)
}

// queueOrSend sends msgs one by one with Send: the queue keeps the order.
func (s *Socket) queueOrSend(msgs [][][]byte) (queued int, err error) {
	for _, m := range msgs {
		q, err := s.Send(m)
		if err != nil {
			return queued, err
		}
		if q {
			queued++
		}
	}
	return queued, nil
}

func (s *Socket) checkSend(frames [][]byte) error {
	if s.closed {
		return opError(OpSend, s.name, "", ErrClosed, "")
	}
	if !s.typ.CanSend() {
		return opError(OpSend, s.name, "", ErrUnsupported, fmt.Sprintf("a %v socket does not send", s.typ))
	}
	if len(frames) == 0 {
		return opError(OpSend, s.name, "", ErrBadMessage, "a message has at least one frame")
	}
	if s.typ == Stream && len(frames) != 2 {
		// libzmq would take a third frame for the next message's peer id.
		return opError(OpSend, s.name, "", ErrBadMessage, fmt.Sprintf("a STREAM message is [peer id, data], not %d frames", len(frames)))
	}
	if s.maxMsgSize >= 0 {
		for i, f := range frames {
			if int64(len(f)) > s.maxMsgSize {
				return opError(OpSend, s.name, "", ErrTooLarge, fmt.Sprintf("frame %d has %d bytes, max_message_size is %d", i, len(f), s.maxMsgSize))
			}
		}
	}
	return nil
}

// sendNow hands one message to ZeroMQ without blocking. ZeroMQ takes the
// frames of a message all or none at the first frame, so EAGAIN can only
// come first. A message of several frames goes in one cgo call (a request
// through a DEALER has three, a reply through a ROUTER four): profiled at
// 18% of the CPU of DEALER→ROUTER with 16 requests in flight when each
// frame was a call of its own.
func (s *Socket) sendNow(frames [][]byte) error {
	if len(frames) == 1 {
		return s.sendFrames(frames) // one call either way
	}
	one := [1][][]byte{frames}
	_, err := s.sendBatch(one[:])
	return err
}

// sendFrames sends a message a frame at a time, through pebbe/zmq4.
func (s *Socket) sendFrames(frames [][]byte) error {
	last := len(frames) - 1
	for i, f := range frames {
		flags := zmq4.DONTWAIT
		if i < last {
			flags |= zmq4.SNDMORE
		}
		if _, err := s.zs.SendBytes(f, flags); err != nil {
			if i > 0 {
				return fmt.Errorf("message cut after %d of %d frames: %w", i, len(frames), err)
			}
			return err
		}
	}
	return nil
}

// Settle sends the messages that CoalesceSends held back, as the turn they
// wait for would. A non-nil error means the socket is unusable, as Handle's.
func (s *Socket) Settle() error {
	if s.deferred == 0 || s.closed {
		return nil
	}
	_, err := s.flush()
	return err
}

// flush sends queued messages until the queue is empty or ZeroMQ says
// EAGAIN. A message ZeroMQ refuses for good is dropped and reported through
// Hooks.Report; an error that makes the socket unusable is returned.
// Messages held back by CoalesceSends that ZeroMQ does not take now wait
// from then on as those that met the high-water mark, and count as queued.
func (s *Socket) flush() (progress bool, err error) {
	defer s.deferredWait()
	for s.queue.len() > 0 {
		// As SendBatch sends: as many messages per cgo call as fit in the
		// scratch buffer. One call per message was 36% of the CPU of a
		// PUSH socket actor that met its high-water mark (inproc, 64 B).
		sent, err := s.sendBatch(s.queue.items[s.queue.head:])
		for range sent {
			s.countSent(s.queue.front())
			s.queue.pop()
		}
		s.deferred = max(s.deferred-sent, 0)
		if sent > 0 {
			s.hooks.Counters.depth(s.queue.len())
			progress = true
		}
		if err == nil {
			continue
		}
		if isAgain(err) {
			return progress, nil
		}
		e := zmqError(OpSend, s.name, "", err)
		if errors.Is(e, ErrTerminated) || errors.Is(e, ErrClosed) {
			return progress, e
		}
		s.queue.pop()
		s.deferred = max(s.deferred-1, 0)
		s.hooks.Counters.dropped(1)
		s.hooks.Counters.depth(s.queue.len())
		if s.hooks.Report != nil {
			s.hooks.Report(e)
		}
	}
	return progress, nil
}

// deferredWait ends a flush: the held back messages left, if any, met the
// high-water mark.
func (s *Socket) deferredWait() {
	for ; s.deferred > 0; s.deferred-- {
		s.stats.Queued++
		s.hooks.Counters.queued(s.queue.len())
	}
}

// sendQueue is a FIFO of messages waiting for the high-water mark to clear.
type sendQueue struct {
	items [][][]byte
	head  int
}

func (q *sendQueue) len() int             { return len(q.items) - q.head }
func (q *sendQueue) front() [][]byte      { return q.items[q.head] }
func (q *sendQueue) push(frames [][]byte) { q.items = append(q.items, frames) }

func (q *sendQueue) pop() {
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head >= 1024 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}
